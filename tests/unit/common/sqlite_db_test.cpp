// The SQLite wrapper's durability switch: relaxed transactions never leave the connection in
// synchronous=NORMAL for what follows them.
#include <punchlink/common/sqlite_db.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

namespace punchlink::sqlite {
namespace {

std::int64_t synchronous(Database& db) {
  auto statement = db.prepare("PRAGMA synchronous");
  EXPECT_TRUE(statement.ok());
  return statement->first([](Statement& row) { return row.integer(0); }).value().value();
}

TEST(SqliteDatabase, RelaxedTransactionsCommitAndLeaveFullBehind) {
  testing::TempDir dir{"punchlink-sqlite-db"};
  auto db = Database::open(dir.file("test.db").string());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec("CREATE TABLE t (v INTEGER)").ok());
  EXPECT_EQ(synchronous(*db), 2);  // FULL
  std::int64_t inside = -1;
  ASSERT_TRUE(db->transaction(
                    [&]() -> Status {
                      inside = synchronous(*db);
                      return db->exec("INSERT INTO t VALUES (1)");
                    },
                    Durability::Relaxed)
                  .ok());
  EXPECT_EQ(inside, 1);  // NORMAL
  EXPECT_EQ(synchronous(*db), 2);
  // A failed relaxed body rolls back and still leaves FULL.
  EXPECT_FALSE(db->transaction([&]() -> Status { return db->exec("INSERT INTO nope VALUES (1)"); },
                               Durability::Relaxed)
                   .ok());
  EXPECT_EQ(synchronous(*db), 2);
  auto count = db->prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->all([](Statement& row) { return row.integer(0); }).value(),
            std::vector<std::int64_t>{1});
}

}  // namespace
}  // namespace punchlink::sqlite
