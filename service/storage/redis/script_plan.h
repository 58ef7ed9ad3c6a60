#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moderation::redis {

// Writes the JSON plan a script reads with Redis's cjson.decode, straight
// into one string. A submission's plan is written on every call, so this
// streams instead of building a document first (a DOM of maps cost about a
// twelfth of the server's CPU per submission). Strings are written as bytes,
// with quotes, backslashes and control characters escaped: cjson takes any
// other byte as it is, so text arrives in Redis unchanged.
//
//   ScriptPlan plan;
//   plan.Object().Key("captcha").Object().Key("key").String(k).End().End();
//   std::string json = std::move(plan).Take();
class ScriptPlan {
 public:
  ScriptPlan& Object();
  ScriptPlan& Array();
  // Closes the innermost object or array.
  ScriptPlan& End();
  ScriptPlan& Key(std::string_view name);
  ScriptPlan& String(std::string_view value);
  ScriptPlan& Int(int64_t value);
  ScriptPlan& Bool(bool value);
  ScriptPlan& Strings(const std::vector<std::string>& values);

  [[nodiscard]] std::string Take() && { return std::move(out_); }

 private:
  // A comma before every element of a container but its first.
  void Separate();

  struct Open {
    char closing;  // '}' or ']'
    bool empty;    // nothing written in it yet
  };
  std::string out_;
  std::vector<Open> open_;
  bool after_key_ = false;
};

}  // namespace moderation::redis
