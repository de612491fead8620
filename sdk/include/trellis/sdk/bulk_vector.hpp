#pragma once
/// @file bulk_vector.hpp
/// Vectors for screen-sized buffers (10^8 values): no zero-fill on resize,
/// and transparent huge pages for large blocks, so filling one from a file
/// costs one pass over memory and few page faults.

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

#include <sys/mman.h>

namespace trellis::sdk {

/// Allocator that leaves `resize`d elements uninitialised (trivial types
/// only are stored this way) and asks the kernel for huge pages for blocks of
/// 4 MB and more.
template <class T>
class BulkAllocator {
 public:
  using value_type = T;
  BulkAllocator() noexcept = default;
  template <class U>
  BulkAllocator(const BulkAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < huge_threshold) return static_cast<T*>(::operator new(bytes));
    void* p = ::operator new(bytes, std::align_val_t(huge_page));
    ::madvise(p, bytes, MADV_HUGEPAGE);  // a hint: failure only costs speed
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < huge_threshold)
      ::operator delete(p);
    else
      ::operator delete(p, std::align_val_t(huge_page));
  }
  /// Default-initialise (no zero-fill) when constructed without a value.
  template <class U>
  void construct(U* p) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  bool operator==(const BulkAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const BulkAllocator<U>&) const noexcept { return false; }

 private:
  static constexpr std::size_t huge_page = std::size_t{2} << 20;
  static constexpr std::size_t huge_threshold = std::size_t{4} << 20;
};

/// A std::vector whose `resize` does not zero-fill (see BulkAllocator).
template <class T>
using BulkVector = std::vector<T, BulkAllocator<T>>;

}  // namespace trellis::sdk
