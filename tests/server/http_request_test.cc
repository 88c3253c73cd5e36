// The request parser on its own: what RFC 9112 allows, what it does not, and the status each
// malformed head gets.
#include "server/http_request.h"

#include <gtest/gtest.h>

namespace frocket::server {
namespace {

TEST(HttpRequest, ParsesTargetHeadersAndConnection) {
  HttpRequest r;
  auto error = ParseRequestHead(
      "POST /datasets/a%20b%2Fc/query?stream=true&x=1+2&flag HTTP/1.1\r\n"
      "Host: localhost:5000\r\nContent-Type:  application/json \r\nContent-Length: 17\r\n"
      "Connection: close",
      &r);
  ASSERT_FALSE(error) << error->message;
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.segments, (std::vector<std::string>{"datasets", "a b/c", "query"}));
  EXPECT_EQ(r.Param("stream"), "true");
  EXPECT_EQ(r.Param("x"), "1 2");
  EXPECT_EQ(r.Param("flag"), "");
  EXPECT_EQ(r.Param("none"), std::nullopt);
  ASSERT_NE(r.Header("content-type"), nullptr);
  EXPECT_EQ(*r.Header("content-type"), "application/json");
  EXPECT_EQ(r.content_length, 17u);
  EXPECT_FALSE(r.keep_alive);
}

TEST(HttpRequest, KeepAliveFollowsTheVersion) {
  HttpRequest a, b, c;
  ASSERT_FALSE(ParseRequestHead("GET / HTTP/1.1\r\nHost: x", &a));
  ASSERT_FALSE(ParseRequestHead("GET / HTTP/1.0", &b));
  ASSERT_FALSE(ParseRequestHead("GET / HTTP/1.0\r\nConnection: Keep-Alive", &c));
  EXPECT_TRUE(a.keep_alive);
  EXPECT_FALSE(b.keep_alive);
  EXPECT_TRUE(c.keep_alive);
}

TEST(HttpRequest, MalformedHeadsGetTheirStatus) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"", 400},
      {"GET", 400},
      {"GET /", 400},
      {"GET  / HTTP/1.1\r\nHost: x", 400},
      {"G(T / HTTP/1.1\r\nHost: x", 400},
      {"GET / HTTP/1.1 extra\r\nHost: x", 400},
      {"GET / HTTP/2.0\r\nHost: x", 505},
      {"GET / HTTP/1.x\r\nHost: x", 400},
      {"GET / HTTP/1.1", 400},  // no Host
      {"GET /a b HTTP/1.1\r\nHost: x", 400},
      {"GET /a\x01 HTTP/1.1\r\nHost: x", 400},
      {"GET /%4 HTTP/1.1\r\nHost: x", 400},
      {"GET /%00 HTTP/1.1\r\nHost: x", 400},
      {"GET /?a=%G0 HTTP/1.1\r\nHost: x", 400},
      {"GET / HTTP/1.1\r\nHost : x", 400},
      {"GET / HTTP/1.1\r\nHost: x\r\nX: a\x7f", 400},
      {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3", 400},
      {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999999999999", 400},
      {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", 501},
      {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 1", 400},
      {"GET /" + std::string(8200, 'a') + " HTTP/1.1\r\nHost: x", 414},
      {"GET / HTTP/1.1\r\nHost: x\r\nExpect: nothing", 417},
  };
  for (const auto& [head, status] : cases) {
    HttpRequest r;
    auto error = ParseRequestHead(head, &r);
    ASSERT_TRUE(error.has_value()) << head;
    EXPECT_EQ(error->status, status) << head << ": " << error->message;
    EXPECT_FALSE(error->message.empty());
  }
  std::string many = "GET / HTTP/1.1\r\nHost: x";
  for (int i = 0; i < 101; ++i) many += "\r\nX-" + std::to_string(i) + ": y";
  HttpRequest r;
  auto error = ParseRequestHead(many, &r);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->status, 431);
}

TEST(HttpRequest, PercentDecoding) {
  EXPECT_EQ(PercentDecode("a%2Fb%c3%A9", false), "a/b\xc3\xa9");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%", false), std::nullopt);
  EXPECT_EQ(PercentDecode("%a", false), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz", false), std::nullopt);
  EXPECT_EQ(PercentDecode("%00", false), std::nullopt);
}

}  // namespace
}  // namespace frocket::server
