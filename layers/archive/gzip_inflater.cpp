#include "layers/archive/gzip_inflater.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <limits>

#include "util/error.h"

namespace layerfs {

namespace {

constexpr size_t kMaxCall = std::numeric_limits<uint32_t>::max();  // igzip counts in 32 bits

std::string describe(int status) {
  switch (status) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid deflate distance";
    case ISAL_INVALID_WRAPPER:
      return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported gzip compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "gzip checksum or size mismatch (CRC-32/ISIZE)";
    default:
      return "gzip decompression failed (igzip status " + std::to_string(status) + ")";
  }
}

}  // namespace

GzipInflater::GzipInflater() : state_(std::make_unique<inflate_state>()) {}

GzipInflater::~GzipInflater() = default;

bool GzipInflater::starts_gzip(const char* data, size_t size) {
  // ID1, ID2, CM = 8 (deflate): the only method RFC 1952 defines.
  return size >= 3 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b && data[2] == 8;
}

void GzipInflater::start_member() {
  isal_inflate_init(state_.get());
  state_->crc_flag = ISAL_GZIP;  // igzip parses the header and checks CRC-32 and ISIZE
}

void GzipInflater::feed(const char* data, size_t size) {
  input_ = data;
  input_size_ = size;
}

bool GzipInflater::input_consumed() const { return input_size_ == 0 || ended(); }

void GzipInflater::look_for_member() {
  while (lookahead_size_ < sizeof(lookahead_) && input_size_ > 0) {
    lookahead_[lookahead_size_++] = *input_++;
    --input_size_;
  }
  if (lookahead_size_ < sizeof(lookahead_)) return;  // wait for more bytes (or finish())
  if (!starts_gzip(lookahead_, lookahead_size_)) {
    if (first_member_) throw UserError("not gzip data");
    phase_ = Phase::kEnded;
    return;
  }
  // igzip ignores the flags RFC 1952 reserves; gzip(1) refuses them, and so do we.
  if ((static_cast<unsigned char>(lookahead_[3]) & 0xe0) != 0)
    throw UserError("invalid gzip header: reserved flag bits set");
  first_member_ = false;
  start_member();
  phase_ = Phase::kInMember;  // the lookahead bytes are its first bytes
}

size_t GzipInflater::inflate(char* out, size_t capacity) {
  size_t produced = 0;
  while (produced < capacity) {
    if (phase_ == Phase::kBetweenMembers) look_for_member();
    if (phase_ != Phase::kInMember) break;
    // A new member's first bytes wait in the lookahead; then the fed input.
    const bool from_lookahead = lookahead_size_ > 0;
    const char* in = from_lookahead ? lookahead_ : input_;
    const size_t offered = std::min(from_lookahead ? lookahead_size_ : input_size_, kMaxCall);
    const size_t room = std::min(capacity - produced, kMaxCall);
    state_->next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in));
    state_->avail_in = static_cast<uint32_t>(offered);
    state_->next_out = reinterpret_cast<uint8_t*>(out + produced);
    state_->avail_out = static_cast<uint32_t>(room);
    int status = isal_inflate(state_.get());
    const size_t consumed = offered - state_->avail_in;
    const size_t written = room - state_->avail_out;
    produced += written;
    if (from_lookahead) {
      std::copy(lookahead_ + consumed, lookahead_ + lookahead_size_, lookahead_);
      lookahead_size_ -= consumed;
    } else {
      input_ += consumed;
      input_size_ -= consumed;
    }
    if (status != ISAL_DECOMP_OK) throw UserError(describe(status));
    if (state_->block_state == ISAL_BLOCK_FINISH) {
      // Trailer verified and every byte of the member delivered.
      phase_ = Phase::kBetweenMembers;
      continue;
    }
    if (consumed == 0 && written == 0) {
      if (from_lookahead || input_size_ > 0)  // igzip stalled with input and room: never loop
        throw UserError("gzip decompression made no progress");
      break;  // needs more input
    }
  }
  return produced;
}

void GzipInflater::finish() {
  if (phase_ == Phase::kInMember || (first_member_ && lookahead_size_ > 0))
    throw UserError("truncated gzip data (unexpected end of the stream)");
  if (first_member_) throw UserError("empty gzip stream");
  phase_ = Phase::kEnded;  // fewer bytes after the last member than a header: ignored
}

}  // namespace layerfs
