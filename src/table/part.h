// Part: the rows of one dataset part (a disjoint set of groups) in memory, ready for queries.
//
// Rows are kept in timestamp order — sequences are then a single pass — unless the part was
// read without its timestamps (for a query that needs no time: rows in the file's order,
// has_time() false). Every row knows its group's ordinal (dense 0..G-1). What only some
// queries need (value codes for per-value aggregations, rows listed by group) is computed on
// first use and kept, so a part cached in memory pays for each once. A Part is immutable and
// safe to query from several threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "table/column.h"
#include "table/value_codes.h"

namespace frocket::table {

// Maps timestamps to int64 keys with the same order: INT timestamps are their own keys;
// FLOAT ones are mapped by their bit pattern (so nanosecond integers keep full precision).
int64_t FloatTimeKey(double t);

// The least time key of a timestamp >= t (t in the column's unit) in a timestamp column of
// type `time_type` (INT or FLOAT); nullopt if no timestamp is (t above every INT value).
std::optional<int64_t> TimeKeyAtOrAbove(ColumnType time_type, int64_t t);
std::optional<int64_t> TimeKeyAtOrAbove(ColumnType time_type, double t);

// A timeframe in time keys: the rows inside it have keys in [from, to). A bound that is absent
// does not bound; `empty`: no row is inside (a bound above every key).
struct TimeKeyRange {
  std::optional<int64_t> from, to;
  bool empty = false;

  bool Contains(const TimeKeyRange& other) const;
};

// The group id column must be INT or STRING and the timestamp column (if read) INT or FLOAT,
// both without nulls: the error names the column that is not.
Status CheckKeyColumns(const Column& group, const Column* time);

class Part {
 public:
  // Takes the columns and puts the rows in timestamp order. The group id column must be INT
  // or STRING and the timestamp column INT or FLOAT, both without nulls (or NaN). Without the
  // timestamp column if `time_optional`: the rows stay in the columns' order, for queries
  // that need no time (has_time() is false). Rows that must be sorted are sorted only inside
  // `timeframe`: the others are left out, and the part covers the timeframe (coverage());
  // rows already in order are kept, all of them.
  static Result<std::shared_ptr<Part>> Make(std::vector<Column> columns,
                                            const std::string& group_column,
                                            const std::string& time_column,
                                            bool time_optional = false,
                                            const TimeKeyRange& timeframe = {});

  // This part with more columns (of the same rows as read, in the file's order): they are put
  // in the part's row order (without the rows it left out), and everything already computed is
  // shared, not recomputed.
  Result<std::shared_ptr<Part>> WithColumns(std::vector<Column> more) const;

  int64_t num_rows() const { return shared_->num_rows; }
  // The row of the columns as read that each of the part's rows is; empty when the part holds
  // all of them, in the order read.
  const std::vector<uint32_t>& order() const { return shared_->order; }
  const Column* FindColumn(const std::string& name) const;
  bool HasColumns(const std::vector<std::string>& names) const;
  const Column& group_column() const { return *FindColumn(shared_->group_column); }
  // REQUIRES: has_time() for time_column(), time_keys() and LowerBoundRow().
  bool has_time() const { return FindColumn(shared_->time_column) != nullptr; }
  const Column& time_column() const { return *FindColumn(shared_->time_column); }
  const std::vector<std::shared_ptr<const Column>>& columns() const { return columns_; }

  // Time keys of all rows, ascending (see FloatTimeKey).
  const int64_t* time_keys() const { return shared_->time_keys; }
  // The rows a query can rely on the part holding: those with time keys in this range (a part
  // read for a timeframe holds only the row groups that can have rows inside it).
  const TimeKeyRange& coverage() const { return shared_->coverage; }
  void set_coverage(TimeKeyRange coverage) { shared_->coverage = coverage; }
  // The first row whose timestamp is >= t (t in the column's unit).
  int64_t LowerBoundRow(int64_t t) const;
  int64_t LowerBoundRow(double t) const;

  // Group ordinal of every row, and how many groups there are.
  const int32_t* group_ordinals() const { return shared_->group_codes.codes(); }
  int32_t num_groups() const { return shared_->group_codes.num_values(); }
  const ValueCodes& group_codes() const { return shared_->group_codes; }
  // Rows per group over the whole part (counted on first use: a query with a timeframe counts
  // the rows inside it instead).
  const std::vector<uint32_t>& group_row_counts() const;

  // The column dictionary-encoded (computed on first use).
  // REQUIRES: the column exists.
  const ValueCodes& Codes(const std::string& column) const;

  // Row indexes listed group by group (each group's rows in timestamp order): the rows of
  // group g are rows[offsets[g] .. offsets[g+1]).
  struct RowsByGroup {
    std::vector<uint32_t> offsets;
    std::vector<uint32_t> rows;
  };
  const RowsByGroup& rows_by_group() const;

  size_t MemoryUsage() const;

 private:
  // What every Part made from the same rows shares.
  struct Shared {
    int64_t num_rows = 0;
    int64_t read_rows = 0;  // the rows of the columns it was made of
    std::string group_column;
    std::string time_column;
    std::vector<uint32_t> order;  // read row of each part row; empty when all, in order (or none)
    Buffer float_time_keys;       // FLOAT timestamps only
    const int64_t* time_keys = nullptr;
    TimeKeyRange coverage;  // every row, unless read for a timeframe
    ValueCodes group_codes;
    std::once_flag group_rows_once;
    std::vector<uint32_t> group_row_counts;

    std::mutex mutex;
    // Codes by column name, shared by the parts made from this one by WithColumns. Codes may
    // point into their column's dictionary, so each entry keeps the column it encoded alive:
    // another part's column of that name (the same data, loaded again) may outlive it.
    struct CachedCodes {
      std::shared_ptr<const Column> column;
      std::unique_ptr<ValueCodes> codes;
    };
    std::map<std::string, CachedCodes> codes;
    std::unique_ptr<RowsByGroup> rows_by_group;
  };

  Part() = default;

  std::shared_ptr<Shared> shared_;
  std::vector<std::shared_ptr<const Column>> columns_;
};

}  // namespace frocket::table
