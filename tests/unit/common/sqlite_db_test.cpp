// The SQLite wrapper's durability switch: relaxed transactions never leave the connection in
// synchronous=NORMAL for what follows them. Its statement cache: a statement is reused only when
// idle, and comes back as if freshly prepared.
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

TEST(SqliteDatabase, AStatementIsReusedOnlyWhenIdleAndComesBackClean) {
  testing::TempDir dir{"punchlink-sqlite-db"};
  auto db = Database::open(dir.file("test.db").string());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec("CREATE TABLE t (v INTEGER)").ok());
  ASSERT_TRUE(db->exec("INSERT INTO t VALUES (1), (2), (3)").ok());
  const std::string select = "SELECT v FROM t WHERE v >= ? ORDER BY v";

  const sqlite3_stmt* first = nullptr;
  {
    auto statement = db->prepare(select);
    ASSERT_TRUE(statement.ok());
    first = statement->handle();
    statement->bind(1, std::int64_t{2});
    // Left after one row: the next user must not continue where this one stopped.
    EXPECT_TRUE(statement->step().value());
  }
  {
    auto again = db->prepare(select);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->handle(), first);
    // Bindings were cleared: NULL matches nothing.
    EXPECT_TRUE(again->all([](Statement& row) { return row.integer(0); }).value().empty());
    // Held while the same SQL is prepared again: a second statement, not the same one.
    auto nested = db->prepare(select);
    ASSERT_TRUE(nested.ok());
    EXPECT_NE(nested->handle(), again->handle());
    nested->bind(1, std::int64_t{3});
    EXPECT_EQ(nested->all([](Statement& row) { return row.integer(0); }).value(),
              std::vector<std::int64_t>{3});
  }
  // SQL with trailing text works but is not kept under a key it would never be found by.
  {
    auto trailing = db->prepare("SELECT COUNT(*) FROM t; ");
    ASSERT_TRUE(trailing.ok());
    EXPECT_EQ(trailing->all([](Statement& row) { return row.integer(0); }).value(),
              std::vector<std::int64_t>{3});
  }
  // A schema change after a statement was kept: SQLite prepares it again on its next step.
  ASSERT_TRUE(db->exec("ALTER TABLE t ADD COLUMN w INTEGER").ok());
  auto after = db->prepare(select);
  ASSERT_TRUE(after.ok());
  after->bind(1, std::int64_t{1});
  EXPECT_EQ(after->all([](Statement& row) { return row.integer(0); }).value(),
            (std::vector<std::int64_t>{1, 2, 3}));
}

TEST(SqliteDatabase, AStatementMayOutliveItsConnection) {
  testing::TempDir dir{"punchlink-sqlite-db"};
  std::optional<Statement> kept;
  {
    auto db = Database::open(dir.file("test.db").string());
    ASSERT_TRUE(db.ok());
    auto statement = db->prepare("SELECT 1");
    ASSERT_TRUE(statement.ok());
    kept.emplace(std::move(*statement));
  }
  // The connection is closed lazily (sqlite3_close_v2): the statement still runs, and dropping
  // it afterwards frees both without a leak or a use after free (ASan).
  EXPECT_EQ(kept->all([](Statement& row) { return row.integer(0); }).value(),
            std::vector<std::int64_t>{1});
  kept.reset();
}

}  // namespace
}  // namespace punchlink::sqlite
