#include "task/copy_text.h"

#include "binlog/charset.h"
#include "common/errors.h"

namespace mysql_sync {

void append_copy_escaped(std::string& line, const char* data, size_t size) {
  const char* end = data + size;
  const char* run = data;
  for (const char* p = data; p < end; p++) {
    char c = *p;
    if (c != '\\' && c != '\n' && c != '\r' && c != '\t') continue;
    line.append(run, p - run);
    line += '\\';
    line += c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
    run = p + 1;
  }
  line.append(run, end - run);
}

void append_copy_field(std::string& line, const Value& value) {
  if (!value) {
    line += "\\N";
    return;
  }
  append_copy_escaped(line, value->data(), value->size());
}

CopyTextWriter::CopyTextWriter(const SourceTable& table, InvalidDates invalid_dates)
    : table_(&table), invalid_dates_(invalid_dates) {
  for (const SourceColumn& column : table.columns) forms_.push_back(copy_form_of(column));
}

void CopyTextWriter::append_row(std::string& out, const RawRow& row) {
  uint32_t invalid = 0;
  for (size_t i = 0; i < row.count; i++) {
    if (i) out += '\t';
    const char* data = row.data[i];
    size_t length = row.lengths[i];
    if (data == nullptr) {
      out += "\\N";
    } else if (forms_[i] == CopyForm::number) {
      out.append(data, length);  // digits, sign and point: nothing to escape
    } else if (forms_[i] == CopyForm::text) {
      if (!is_valid_utf8(reinterpret_cast<const uint8_t*>(data), length))
        throw ValueError("column \"" + table_->columns[i].name + "\" of " + table_->schema + "." + table_->name +
                             " holds bytes that are not valid UTF-8",
                         "22021");
      append_copy_escaped(out, data, length);
    } else {
      append_copy_field(out, copy_value_text(table_->columns[i], data, length, invalid_dates_, &invalid));
    }
  }
  out += '\n';
  invalid_values_ += invalid;
}

}  // namespace mysql_sync
