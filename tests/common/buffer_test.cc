// Buffer views: bytes owned elsewhere, read where they lie and kept alive by the view; growing
// one copies it first, so the bytes it viewed are never written.
#include "common/buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

namespace frocket {
namespace {

TEST(BufferView, ReadsTheBytesAndKeepsTheirOwnerAlive) {
  auto owner = std::make_shared<std::vector<uint8_t>>(std::vector<uint8_t>{1, 2, 3, 4, 5});
  std::weak_ptr<std::vector<uint8_t>> watch = owner;
  Buffer view = Buffer::View({owner->data() + 1, 3}, owner);
  owner.reset();
  ASSERT_FALSE(watch.expired());  // the view holds it
  EXPECT_TRUE(view.is_view());
  ASSERT_EQ(view.size(), 3u);
  EXPECT_EQ(view.data()[0], 2);
  EXPECT_EQ(view.data()[2], 4);
  Buffer moved = std::move(view);
  EXPECT_TRUE(moved.is_view());
  EXPECT_EQ(moved.data()[1], 3);
  moved = Buffer();
  EXPECT_TRUE(watch.expired());  // released with the last view
}

TEST(BufferView, GrowingCopiesAndLeavesTheViewedBytesAlone) {
  auto owner = std::make_shared<std::vector<uint8_t>>(std::vector<uint8_t>{7, 8, 9});
  Buffer grown = Buffer::View({owner->data(), 3}, owner);
  grown.Resize(5);
  EXPECT_FALSE(grown.is_view());
  EXPECT_NE(grown.data(), owner->data());
  EXPECT_EQ(std::memcmp(grown.data(), owner->data(), 3), 0);
  grown.data()[0] = 1;
  EXPECT_EQ((*owner)[0], 7);

  Buffer appended = Buffer::View({owner->data(), 2}, owner);
  const uint8_t more = 6;
  appended.Append(&more, 1);
  EXPECT_FALSE(appended.is_view());
  EXPECT_EQ(appended.size(), 3u);
  EXPECT_EQ(appended.data()[2], 6);
  EXPECT_EQ((*owner)[2], 9);

  Buffer reserved = Buffer::View({owner->data(), 3}, owner);
  reserved.Reserve(1);  // even a reservation it has room for
  EXPECT_FALSE(reserved.is_view());
  EXPECT_EQ(reserved.size(), 3u);
  EXPECT_EQ(reserved.data()[1], 8);

  // Shrunk, then grown back within the bytes it viewed: copied all the same.
  Buffer regrown = Buffer::View({owner->data(), 3}, owner);
  regrown.Resize(1);
  EXPECT_TRUE(regrown.is_view());
  regrown.Resize(2);
  EXPECT_FALSE(regrown.is_view());
  regrown.data()[1] = 0;
  EXPECT_EQ((*owner)[1], 8);

  // Cleared: let go of, so that appending writes memory of its own.
  Buffer cleared = Buffer::View({owner->data(), 3}, owner);
  cleared.Clear();
  EXPECT_FALSE(cleared.is_view());
  cleared.Append(&more, 1);
  EXPECT_EQ((*owner)[0], 7);
}

// A view's bytes are never freed by it, even with nothing said to own them (the sanitizers
// would report freeing memory that malloc did not give).
TEST(BufferView, NeverFreesWhatItViews) {
  uint8_t bytes[4] = {1, 2, 3, 4};
  {
    Buffer view = Buffer::View({bytes, 4}, nullptr);
    EXPECT_TRUE(view.is_view());
    Buffer moved = std::move(view);
    EXPECT_EQ(moved.data()[3], 4);
  }
  EXPECT_EQ(bytes[0], 1);
}

}  // namespace
}  // namespace frocket
