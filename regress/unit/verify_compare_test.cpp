#include <gtest/gtest.h>

#include "task/verify_compare.h"
#include "task/verify_source.h"

namespace mysql_sync {
namespace {

CanonicalRow row(std::initializer_list<const char*> values) {
  CanonicalRow out;
  for (const char* v : values) out.push_back(v ? Value(std::string(v)) : Value());
  return out;
}

const std::vector<std::string> kNames = {"id", "name", "amount"};
const std::vector<size_t> kKey = {0};

TEST(VerifyCompare, RowHashTellsNullEmptyAndBoundariesApart) {
  EXPECT_NE(row_hash(row({"1", nullptr})), row_hash(row({"1", ""})));
  EXPECT_NE(row_hash(row({"ab", "c"})), row_hash(row({"a", "bc"})));
  EXPECT_NE(row_hash(row({"1", "x"})), row_hash(row({"x", "1"})));
  EXPECT_EQ(row_hash(row({"1", "x"})), row_hash(row({"1", "x"})));
}

TEST(VerifyCompare, ChunkChecksumIgnoresOrderButNotContent) {
  std::vector<CanonicalRow> a = {row({"1", "a", "1.50"}), row({"2", "b", nullptr})};
  std::vector<CanonicalRow> b = {row({"2", "b", nullptr}), row({"1", "a", "1.50"})};
  EXPECT_EQ(chunk_checksum(a), chunk_checksum(b));
  b[0][2] = std::string("0");
  EXPECT_NE(chunk_checksum(a), chunk_checksum(b));
  b.pop_back();
  EXPECT_NE(chunk_checksum(a), chunk_checksum(b));
  // Two swapped values in two rows change both row hashes.
  std::vector<CanonicalRow> c = {row({"1", "b", "1.50"}), row({"2", "a", nullptr})};
  EXPECT_NE(chunk_checksum(a), chunk_checksum(c));
}

TEST(VerifyCompare, DiffNamesMissingExtraAndDifferentColumns) {
  std::vector<CanonicalRow> source = {row({"1", "a", "1.50"}), row({"5", "e", "2"}), row({"7", "g", nullptr}),
                                      row({"8", "h", "3"})};
  std::vector<CanonicalRow> target = {row({"8", "h", "3"}), row({"5", "E", nullptr}), row({"9", "i", "4"}),
                                      row({"1", "a", "1.50"})};
  std::vector<Mismatch> diff = diff_rows(source, target, kKey, kNames);
  ASSERT_EQ(diff.size(), 3u);
  EXPECT_EQ(describe_mismatch(diff[0]), "id=5 (different: name, amount)");
  EXPECT_EQ(describe_mismatch(diff[1]), "id=7 (missing in target)");
  EXPECT_EQ(describe_mismatch(diff[2]), "id=9 (extra in target)");
  EXPECT_TRUE(diff_rows(source, source, kKey, kNames).empty());
}

TEST(VerifyCompare, CompositeKeysAndNullVersusEmpty) {
  std::vector<std::string> names = {"a", "b", "v"};
  std::vector<size_t> key = {0, 1};
  std::vector<CanonicalRow> source = {row({"1", "x", ""}), row({"1", "y", "v"})};
  std::vector<CanonicalRow> target = {row({"1", "x", nullptr}), row({"1", "xy", "v"})};
  std::vector<Mismatch> diff = diff_rows(source, target, key, names);
  ASSERT_EQ(diff.size(), 3u);
  EXPECT_EQ(describe_mismatch(diff[0]), "(a=1, b=x) (different: v)");
  EXPECT_EQ(describe_mismatch(diff[1]), "(a=1, b=y) (missing in target)");
  EXPECT_EQ(describe_mismatch(diff[2]), "(a=1, b=xy) (extra in target)");
}

TEST(VerifyCompare, LongKeyValuesAreCutOnCharacterBoundaries) {
  std::string long_value(39, 'a');
  long_value += "üüü";
  CanonicalRow r = {Value(long_value)};
  std::string text = key_text(r, {0}, {"k"});
  EXPECT_EQ(text, "k=" + std::string(39, 'a') + "...");
}

TEST(VerifyCompare, ReportListsTheFirstAndCountsAll) {
  MismatchReport report(2);
  for (int i = 1; i <= 5; i++)
    report.add(Mismatch{MismatchKind::missing_in_target, "id=" + std::to_string(i), {}});
  EXPECT_EQ(report.count(), 5);
  EXPECT_EQ(report.detail(), "id=1 (missing in target), id=2 (missing in target), and 3 more");
  EXPECT_EQ(MismatchReport().detail(), "");
}

SourceColumn column(const char* data_type) {
  SourceColumn c;
  c.name = "k";
  c.data_type = data_type;
  return c;
}

TEST(VerifySource, KeyLiteralsForTheSourceLookups) {
  EXPECT_EQ(mysql_literal_of(column("int"), "-42"), "-42");
  EXPECT_EQ(mysql_literal_of(column("decimal"), "12.50"), "12.50");
  EXPECT_EQ(mysql_literal_of(column("bigint"), "1; DROP TABLE x"), std::nullopt);
  EXPECT_EQ(mysql_literal_of(column("varchar"), "it's"), "_utf8mb4 X'69742773'");
  EXPECT_EQ(mysql_literal_of(column("varbinary"), "\\x00ff"), "X'00ff'");
  EXPECT_EQ(mysql_literal_of(column("varbinary"), "\\x0"), std::nullopt);
  EXPECT_EQ(mysql_literal_of(column("date"), "2024-02-29"), "'2024-02-29'");
  EXPECT_EQ(mysql_literal_of(column("date"), "-infinity"), std::nullopt);
  EXPECT_EQ(mysql_literal_of(column("datetime"), "2024-02-29 10:11:12.5"), "'2024-02-29 10:11:12.5'");
  EXPECT_EQ(mysql_literal_of(column("timestamp"), "2024-02-29 10:11:12+00"), "'2024-02-29 10:11:12'");
  EXPECT_EQ(mysql_literal_of(column("timestamp"), "2024-02-29 10:11:12+02"), std::nullopt);
  EXPECT_EQ(mysql_literal_of(column("time"), "-838:59:59"), "'-838:59:59'");
  EXPECT_EQ(mysql_literal_of(column("float"), "1.5"), std::nullopt);
}

}  // namespace
}  // namespace mysql_sync
