// Streaming gzip (RFC 1952) decompression with ISA-L's igzip, which inflates several times faster
// than zlib: the bulk of a pull's CPU time is inflating gzip layers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

struct inflate_state;

namespace layerfs {

// Decompresses one gzip stream fed in pieces of any size. Concatenated members (a layer may be
// several gzip members) decompress as one stream; each member's CRC-32 and ISIZE are verified.
// Bytes after a member that do not start another one end the stream and are ignored, as gzip and
// libarchive do (the blob digest still covers them).
class GzipInflater {
 public:
  GzipInflater();
  ~GzipInflater();
  GzipInflater(const GzipInflater&) = delete;
  GzipInflater& operator=(const GzipInflater&) = delete;

  // True when `data` begins with a gzip member header (magic and the deflate method).
  static bool starts_gzip(const char* data, size_t size);

  // The next compressed bytes; they must stay valid until input_consumed().
  void feed(const char* data, size_t size);
  bool input_consumed() const;
  // Decompresses fed bytes into `out` (room for `capacity`); returns the bytes written, 0 when
  // the fed bytes are consumed or the stream has ended. Throws UserError on corrupt data.
  size_t inflate(char* out, size_t capacity);
  // True once the stream has ended (trailing bytes, if any, are ignored).
  bool ended() const { return phase_ == Phase::kEnded; }
  // At the end of the input: throws UserError when the stream stopped inside a member.
  void finish();

 private:
  enum class Phase { kInMember, kBetweenMembers, kEnded };
  static constexpr size_t kHeaderStart = 4;  // ID1 ID2 CM FLG: enough to tell a member

  void start_member();
  // Between members: decides from the next bytes whether another member starts.
  void look_for_member();

  std::unique_ptr<inflate_state> state_;
  Phase phase_ = Phase::kBetweenMembers;
  bool first_member_ = true;  // the stream must start with a member
  const char* input_ = nullptr;
  size_t input_size_ = 0;
  // Between members: the first bytes of what follows, kept while too few arrived to decide.
  char lookahead_[kHeaderStart] = {};
  size_t lookahead_size_ = 0;
};

}  // namespace layerfs
