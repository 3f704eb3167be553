// 150_fileio: the rule for outputs (regular files or new names only: the atomic rename never
// replaces a symlink, device or FIFO, even one that appears between open and commit) and for
// inputs (regular files only, opened without blocking, size caps checked before reading).
#include <gtest/gtest.h>
#include <cstdio>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
extern "C" {
#include "base/fileio.h"
}

namespace {
struct TmpDir {
  std::string d;
  TmpDir() { char t[] = "/tmp/fio_testXXXXXX"; d = mkdtemp(t); }
  ~TmpDir() { std::string c = "rm -rf '" + d + "'"; (void)system(c.c_str()); }
  std::string operator/(const char *n) const { return d + "/" + n; }
};
}  // namespace

TEST(FileIo, AnOutputThatIsAFifoOrSymlinkIsRefusedAndLeftAlone) {
  TmpDir t;
  ASSERT_EQ(mkfifo((t / "fifo").c_str(), 0644), 0);
  FILE *f = fopen((t / "target").c_str(), "w");
  fputs("target", f);
  fclose(f);
  ASSERT_EQ(symlink((t / "target").c_str(), (t / "link").c_str()), 0);
  for (const char *n : {"fifo", "link"}) {
    sim_err e{};
    EXPECT_EQ(fio_write_all((t / n).c_str(), "x", 1, &e), SIM_EIO) << n;
    EXPECT_NE(std::string(e.msg).find("not a regular file"), std::string::npos) << e.msg;
  }
  struct stat sb;
  ASSERT_EQ(lstat((t / "fifo").c_str(), &sb), 0);
  EXPECT_TRUE(S_ISFIFO(sb.st_mode));
  ASSERT_EQ(lstat((t / "link").c_str(), &sb), 0);
  EXPECT_TRUE(S_ISLNK(sb.st_mode));
  char buf[16] = {0};
  f = fopen((t / "target").c_str(), "r");
  ASSERT_EQ(fread(buf, 1, sizeof buf - 1, f), 6u);
  fclose(f);
  EXPECT_STREQ(buf, "target");
}

TEST(FileIo, APathThatBecomesASymlinkBeforeCommitIsNotReplaced) {
  TmpDir t;
  fio_writer *w = nullptr;
  sim_err e{};
  ASSERT_EQ(fio_open((t / "out").c_str(), &w, &e), SIM_OK);
  fputs("data", fio_file(w));
  ASSERT_EQ(symlink("/nonexistent-target", (t / "out").c_str()), 0);   // appears meanwhile
  EXPECT_EQ(fio_commit(w, &e), SIM_EIO);
  struct stat sb;
  ASSERT_EQ(lstat((t / "out").c_str(), &sb), 0);
  EXPECT_TRUE(S_ISLNK(sb.st_mode));
  // and the temp file is gone: only "out" is left in the directory
  std::string ls = "ls '" + t.d + "' | wc -l";
  FILE *p = popen(ls.c_str(), "r");
  int n = 0;
  ASSERT_EQ(fscanf(p, "%d", &n), 1);
  pclose(p);
  EXPECT_EQ(n, 1);
}

TEST(FileIo, AFifoInputIsRefusedWithoutBlockingAndCapsAreCheckedFirst) {
  TmpDir t;
  ASSERT_EQ(mkfifo((t / "fifo").c_str(), 0644), 0);
  char *data = nullptr;
  size_t len = 0;
  sim_err e{};
  EXPECT_EQ(fio_read_all((t / "fifo").c_str(), &data, &len, &e), SIM_EIO);   // no writer: would block
  EXPECT_EQ(std::string(e.msg), t / "fifo" + ": not a regular file (it is a FIFO)");
  FILE *f = fopen((t / "big").c_str(), "w");
  ASSERT_EQ(ftruncate(fileno(f), 3000), 0);
  fclose(f);
  EXPECT_EQ(fio_read_capped((t / "big").c_str(), 2048, "config", &data, &len, &e), SIM_ETRACE);
  EXPECT_EQ(std::string(e.msg), t / "big" + ": the file is 2.9 KiB; a config may be at most 2.0 KiB");
  ASSERT_EQ(fio_read_capped((t / "big").c_str(), 3000, "config", &data, &len, &e), SIM_OK);
  EXPECT_EQ(len, 3000u);
  free(data);
}
