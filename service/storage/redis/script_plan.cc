#include "service/storage/redis/script_plan.h"

#include "absl/strings/str_cat.h"

namespace moderation::redis {

void ScriptPlan::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!open_.empty()) {
    if (!open_.back().empty) {
      out_.push_back(',');
    }
    open_.back().empty = false;
  }
}

ScriptPlan& ScriptPlan::Object() {
  Separate();
  out_.push_back('{');
  open_.push_back({'}', true});
  return *this;
}

ScriptPlan& ScriptPlan::Array() {
  Separate();
  out_.push_back('[');
  open_.push_back({']', true});
  return *this;
}

ScriptPlan& ScriptPlan::End() {
  if (!open_.empty()) {
    out_.push_back(open_.back().closing);
    open_.pop_back();
  }
  return *this;
}

ScriptPlan& ScriptPlan::Key(std::string_view name) {
  String(name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

ScriptPlan& ScriptPlan::String(std::string_view value) {
  Separate();
  out_.reserve(out_.size() + value.size() + 2);
  out_.push_back('"');
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out_.push_back('\\');
      out_.push_back(c);
    } else if (byte < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out_.append("\\u00");
      out_.push_back(kHex[byte >> 4]);
      out_.push_back(kHex[byte & 0xf]);
    } else {
      out_.push_back(c);
    }
  }
  out_.push_back('"');
  return *this;
}

ScriptPlan& ScriptPlan::Int(int64_t value) {
  Separate();
  absl::StrAppend(&out_, value);
  return *this;
}

ScriptPlan& ScriptPlan::Bool(bool value) {
  Separate();
  out_.append(value ? "true" : "false");
  return *this;
}

ScriptPlan& ScriptPlan::Strings(const std::vector<std::string>& values) {
  Array();
  for (const std::string& value : values) {
    String(value);
  }
  return End();
}

}  // namespace moderation::redis
