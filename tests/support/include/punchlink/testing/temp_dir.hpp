// A temporary directory removed with everything in it when the object goes away.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace punchlink::testing {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "punchlink-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }

  std::filesystem::path file(std::string_view name) const { return path_ / name; }

  // Writes `content` to `name` inside the directory and returns its path.
  std::filesystem::path write(std::string_view name, std::string_view content) const;

  // Keeps the directory after the test, e.g. to look at logs of a failure.
  void keep() noexcept { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

std::string readFile(const std::filesystem::path& path);

}  // namespace punchlink::testing
