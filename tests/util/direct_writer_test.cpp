// DirectWriter: every byte lands where it belongs whatever the sizes of the pieces and of the
// file (aligned bulk written with O_DIRECT, tail through the page cache), on a file system with
// direct I/O (the test directory) and on one that may refuse it (a memfd); O_DIRECT is off again
// afterwards.
#include "util/direct_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "util/error.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace layerfs {
namespace {

std::string pattern(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 131 + i / 4096) % 251);
  return data;
}

std::string read_back(int fd) {
  std::string out;
  char buf[65536];
  off_t offset = 0;
  for (ssize_t n; (n = ::pread(fd, buf, sizeof buf, offset)) > 0; offset += n)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

class DirectWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("/tmp", "direct-writer-"); }
  void TearDown() override { remove_tree(dir_); }

  UniqueFd new_file(const std::string& name) {
    UniqueFd fd(::open((dir_ + "/" + name).c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) throw_errno("create " + name);
    return fd;
  }

  std::string dir_;
};

TEST_F(DirectWriterTest, EverySizeInEveryPieceSize) {
  DirectWriter writer;  // one writer for many files, as the extractor uses it
  int n = 0;
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{4097},
                      size_t{1} << 20, (size_t{1} << 20) + 1, (size_t{3} << 20) + 4096 + 17}) {
    for (size_t piece : {size_t{1} << 20, size_t{65536} + 3, size_t{4096}, size_t{1000}}) {
      if (piece == 1000 && size > (1 << 20)) continue;
      const std::string data = pattern(size);
      UniqueFd fd = new_file("f" + std::to_string(n++));
      writer.start(fd.get(), "test file");
      for (size_t at = 0; at < size; at += piece)
        writer.write(data.data() + at, std::min(piece, size - at));
      EXPECT_EQ(writer.finish(), static_cast<off_t>(size));
      EXPECT_EQ(::fcntl(fd.get(), F_GETFL) & O_DIRECT, 0) << "O_DIRECT left on";
      EXPECT_EQ(read_back(fd.get()), data) << size << " bytes in pieces of " << piece;
    }
  }
}

TEST_F(DirectWriterTest, AlignedSourcesMixedWithUnalignedOnes) {
  // Pieces aligned as direct I/O wants (512 bytes on ext4 over a 512-byte device, else 4096) go
  // to disk straight from the caller's memory; a piece after an unaligned one goes through the
  // buffer until a full buffer has gone out. Every mix must give the same bytes.
  const size_t size = (size_t{5} << 20) + 700;
  const std::string data = pattern(size);
  std::unique_ptr<char, decltype(&std::free)> aligned(
      static_cast<char*>(std::aligned_alloc(4096, size + 4096)), &std::free);
  std::memcpy(aligned.get(), data.data(), size);
  DirectWriter writer;
  int n = 0;
  for (auto pieces : {std::vector<size_t>{1 << 20, 1 << 20, 512, 4096, 100, 1 << 20},
                      std::vector<size_t>{512, 512, 8192, 3 << 20, 7},
                      std::vector<size_t>{100, (1 << 20) - 100, 512, 1536, 3 << 20},
                      std::vector<size_t>{1536, 4096 + 512, 1 << 20}, std::vector<size_t>{size}}) {
    UniqueFd fd = new_file("mix" + std::to_string(n++));
    writer.start(fd.get(), "mixed pieces");
    size_t at = 0;
    for (size_t i = 0; at < size; ++i) {
      size_t piece = std::min(i < pieces.size() ? pieces[i] : size, size - at);
      // Each piece from the aligned copy at its own offset: aligned when `at` is.
      writer.write(aligned.get() + at, piece);
      at += piece;
    }
    EXPECT_EQ(writer.finish(), static_cast<off_t>(size));
    EXPECT_EQ(read_back(fd.get()), data);
  }
}

TEST_F(DirectWriterTest, FileSystemsWithoutDirectIoGetEveryByte) {
  // tmpfs (a memfd) may or may not take O_DIRECT depending on the kernel: either way is fine.
  UniqueFd fd(::memfd_create("direct-writer-test", MFD_CLOEXEC));
  ASSERT_TRUE(fd);
  const std::string data = pattern((size_t{2} << 20) + 333);
  DirectWriter writer;
  writer.start(fd.get(), "memfd");
  writer.write(data.data(), data.size());
  EXPECT_EQ(writer.finish(), static_cast<off_t>(data.size()));
  EXPECT_EQ(read_back(fd.get()), data);
  // The same writer then still writes a file where direct I/O works.
  UniqueFd file = new_file("after");
  writer.start(file.get(), "after");
  writer.write(data.data(), data.size());
  writer.finish();
  EXPECT_EQ(read_back(file.get()), data);
}

TEST_F(DirectWriterTest, WriteErrorsNameTheFile) {
  UniqueFd fd(::open((dir_ + "/ro").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_TRUE(fd);
  DirectWriter writer;
  writer.start(fd.get(), "the read-only file");
  const std::string data = pattern(1 << 20);
  try {
    writer.write(data.data(), data.size());
    writer.finish();
    FAIL() << "writing a read-only fd succeeded";
  } catch (const SysError& e) {
    EXPECT_NE(std::string(e.what()).find("the read-only file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace layerfs
