// JsonFields: reads the members of a JSON object without exceptions. A member missing or of
// another type is recorded — the first such problem, naming the member — and a default value
// returned, so that a decoder reads every field in turn and then asks status() once.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/status.h"

namespace frocket {

template <typename Json>
class BasicJsonFields {
 public:
  explicit BasicJsonFields(const Json& object) : object_(object) {
    if (!object.is_object()) Fail(std::string("expected an object, got ") + object.type_name());
  }

  bool Has(const char* key) const { return object_.is_object() && object_.contains(key); }

  // The member converted to T (std::string, bool, double, int, int64_t, uint64_t, size_t,
  // std::vector<std::string>); T{} after recording the problem.
  template <typename T>
  T Get(const char* key) {
    const Json* v = Find(key);
    if (v == nullptr) return T{};
    std::optional<T> converted = Convert<T>(*v);
    if (!converted) {
      Fail("member '" + std::string(key) + "' is not " + Describe<T>() + " (got " + v->type_name() +
           ")");
      return T{};
    }
    return *converted;
  }
  // The same, or `fallback` when the member is absent.
  template <typename T>
  T GetOr(const char* key, T fallback) {
    return Has(key) ? Get<T>(key) : fallback;
  }
  // The member as it is (null after recording a missing member).
  const Json& Raw(const char* key) {
    const Json* v = Find(key);
    return v != nullptr ? *v : Null();
  }

  // A value (an array's element, say) converted to T; nullopt when it is not one.
  template <typename T>
  static std::optional<T> As(const Json& v) {
    return Convert<T>(v);
  }

  void Fail(const std::string& problem) {
    if (status_.ok()) status_ = Status::Invalid(problem);
  }
  const Status& status() const { return status_; }

 private:
  static const Json& Null() {
    static const Json null;
    return null;
  }

  const Json* Find(const char* key) {
    if (!Has(key)) {
      Fail("member '" + std::string(key) + "' is missing");
      return nullptr;
    }
    return &*object_.find(key);
  }

  template <typename T>
  static std::optional<T> Convert(const Json& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (v.is_string()) return v.template get<std::string>();
    } else if constexpr (std::is_same_v<T, bool>) {
      if (v.is_boolean()) return v.template get<bool>();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (v.is_number()) return v.template get<T>();
    } else if constexpr (std::is_integral_v<T>) {
      if (v.is_number_unsigned()) {
        const uint64_t u = v.template get<uint64_t>();
        if (u <= static_cast<uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(u);
      } else if (v.is_number_integer()) {
        const int64_t i = v.template get<int64_t>();
        if (std::in_range<T>(i)) return static_cast<T>(i);
      }
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      if (!v.is_array()) return std::nullopt;
      T out;
      for (const auto& e : v) {
        if (!e.is_string()) return std::nullopt;
        out.push_back(e.template get<std::string>());
      }
      return out;
    }
    return std::nullopt;
  }

  template <typename T>
  static const char* Describe() {
    if constexpr (std::is_same_v<T, std::string>) return "a string";
    if constexpr (std::is_same_v<T, bool>) return "true or false";
    if constexpr (std::is_floating_point_v<T>) return "a number";
    if constexpr (std::is_integral_v<T>) return "an integer in range";
    return "an array of strings";
  }

  const Json& object_;
  Status status_;
};

using JsonFields = BasicJsonFields<nlohmann::json>;
using OrderedJsonFields = BasicJsonFields<nlohmann::ordered_json>;

}  // namespace frocket
