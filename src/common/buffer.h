// Buffer: an owned, 64-byte aligned, uninitialised byte array that column vectors and
// decompressed pages live in — or a view of bytes that something else owns (a file mapped into
// memory), kept alive by the view.
//
// Unlike std::vector<uint8_t> it does not zero memory it is about to overwrite, and its
// alignment makes reinterpreting it as int64_t/double arrays well-defined for the hardware
// (and for UBSan's alignment check).
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <utility>

namespace frocket {

class Buffer {
 public:
  static constexpr size_t kAlignment = 64;
  static constexpr size_t kHugePage = size_t{2} << 20;
  static constexpr size_t kHugeThreshold = size_t{4} << 20;

  Buffer() = default;
  explicit Buffer(size_t size) { Resize(size); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)),
        view_(std::exchange(other.view_, false)),
        owner_(std::move(other.owner_)) {}
  Buffer& operator=(Buffer&& other) noexcept {
    if (this != &other) {
      if (!view_) std::free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
      view_ = std::exchange(other.view_, false);
      owner_ = std::move(other.owner_);
    }
    return *this;
  }
  ~Buffer() {
    if (!view_) std::free(data_);
  }

  // A view of `bytes`, which `owner` keeps alive. The bytes must be writable memory of their
  // own (a private mapping: a write changes this process's copy only), and aligned as the
  // values read from them. Growing a view (Resize past its size, Reserve) first copies it into
  // memory the buffer owns.
  static Buffer View(std::span<uint8_t> bytes, std::shared_ptr<const void> owner) {
    Buffer b;
    b.data_ = bytes.data();
    b.size_ = b.capacity_ = bytes.size();
    b.view_ = true;
    b.owner_ = std::move(owner);
    return b;
  }
  bool is_view() const { return view_; }

  // Sets the size; keeps existing bytes; new bytes are uninitialised.
  void Resize(size_t size) {
    // Growing step by step doubles the capacity, so repeated small growth stays linear.
    if (size > capacity_ || (view_ && size > size_)) Reserve(std::max(size, capacity_ * 2));
    size_ = size;
  }
  // Sets the size, zero-filling any new bytes.
  void ResizeZeroed(size_t size) {
    size_t old = size_;
    Resize(size);
    if (size > old) std::memset(data_ + old, 0, size - old);
  }
  void Reserve(size_t capacity) {
    if (capacity <= capacity_ && !view_) return;
    capacity = std::max(capacity, size_);
    // Large buffers (decoded columns) go on transparent huge pages where the kernel allows:
    // one page fault per 2 MiB instead of per 4 KiB is most of the cost of fresh memory.
    const size_t alignment = capacity >= kHugeThreshold ? kHugePage : kAlignment;
    size_t rounded = (capacity + alignment - 1) / alignment * alignment;
    auto* fresh = static_cast<uint8_t*>(std::aligned_alloc(alignment, rounded));
    if (fresh == nullptr) throw std::bad_alloc();
    if (alignment == kHugePage) ::madvise(fresh, rounded, MADV_HUGEPAGE);
    if (size_ > 0) std::memcpy(fresh, data_, size_);
    if (!view_) std::free(data_);
    view_ = false;
    owner_.reset();
    data_ = fresh;
    capacity_ = rounded;
  }
  void Append(const void* bytes, size_t n) {
    if (n == 0) return;
    if (size_ + n > capacity_ || view_) Reserve(std::max(size_ + n, capacity_ * 2));
    std::memcpy(data_ + size_, bytes, n);
    size_ += n;
  }
  void Clear() {
    if (view_) *this = Buffer();  // the view let go of: nothing more is written into it
    size_ = 0;
  }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> span() const { return {data_, size_}; }

  template <typename T>
  T* as() {
    return reinterpret_cast<T*>(data_);
  }
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(data_);
  }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  bool view_ = false;                  // data_ is not ours to free
  std::shared_ptr<const void> owner_;  // what keeps a view's bytes alive
};

}  // namespace frocket
