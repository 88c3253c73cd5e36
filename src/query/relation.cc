#include "query/relation.h"

#include <cctype>

namespace frocket::query {

namespace {

class RelationParser {
 public:
  RelationParser(const std::string& text, int count, const std::map<std::string, int>& names)
      : text_(text), count_(count), names_(names) {}

  Result<Relation> Parse() {
    FROCKET_ASSIGN_OR_RETURN(Relation r, ParseOr(0));
    SkipSpace();
    if (pos_ < text_.size())
      return Error("unexpected " + Excerpt() + " after a complete expression");
    return r;
  }

 private:
  // Nesting beyond this is not a relation anyone writes; the limit keeps recursion bounded.
  static constexpr int kMaxDepth = 200;

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  static bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  // Consumes `word` (case-insensitive) if it is next as a whole word, or `symbol` if next.
  bool Accept(const char* word, const char* symbol) {
    SkipSpace();
    std::string_view rest(text_.data() + pos_, text_.size() - pos_);
    if (symbol != nullptr && rest.starts_with(symbol)) {
      pos_ += std::string_view(symbol).size();
      return true;
    }
    size_t n = std::string_view(word).size();
    if (rest.size() >= n) {
      for (size_t i = 0; i < n; ++i) {
        if (std::tolower(static_cast<unsigned char>(rest[i])) != word[i]) return false;
      }
      if (rest.size() == n || !IsWordChar(rest[n])) {
        pos_ += n;
        return true;
      }
    }
    return false;
  }
  std::string Excerpt() const {
    if (pos_ >= text_.size()) return "end of expression";
    return "'" + text_.substr(pos_, 20) + "'";
  }
  Status Error(const std::string& what) const {
    return Status::Invalid(what + " at position " + std::to_string(pos_) + " of \"" + text_ + "\"");
  }

  Result<Relation> ParseOr(int depth) {
    FROCKET_ASSIGN_OR_RETURN(Relation left, ParseAnd(depth));
    if (!Accept("or", "||")) return left;
    Relation r;
    r.kind = Relation::Kind::kOr;
    r.operands.push_back(std::move(left));
    do {
      FROCKET_ASSIGN_OR_RETURN(Relation right, ParseAnd(depth));
      r.operands.push_back(std::move(right));
    } while (Accept("or", "||"));
    return r;
  }

  Result<Relation> ParseAnd(int depth) {
    FROCKET_ASSIGN_OR_RETURN(Relation left, ParseUnary(depth));
    if (!Accept("and", "&&")) return left;
    Relation r;
    r.kind = Relation::Kind::kAnd;
    r.operands.push_back(std::move(left));
    do {
      FROCKET_ASSIGN_OR_RETURN(Relation right, ParseUnary(depth));
      r.operands.push_back(std::move(right));
    } while (Accept("and", "&&"));
    return r;
  }

  Result<Relation> ParseUnary(int depth) {
    if (depth > kMaxDepth) return Error("expression nested too deeply");
    SkipSpace();
    // "!=" is not an operator here, so a lone "!" is NOT.
    if (Accept("not", "!")) {
      FROCKET_ASSIGN_OR_RETURN(Relation operand, ParseUnary(depth + 1));
      Relation r;
      r.kind = Relation::Kind::kNot;
      r.operands.push_back(std::move(operand));
      return r;
    }
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      FROCKET_ASSIGN_OR_RETURN(Relation inner, ParseOr(depth + 1));
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ')')
        return Error("expected ')' but found " + Excerpt());
      ++pos_;
      return inner;
    }
    if (pos_ < text_.size() && text_[pos_] == '$') {
      size_t start = ++pos_;
      while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
      std::string ref = text_.substr(start, pos_ - start);
      if (ref.empty()) return Error("'$' must be followed by a condition index or name");
      Relation r;
      if (std::isdigit(static_cast<unsigned char>(ref[0]))) {
        for (char c : ref) {
          if (!std::isdigit(static_cast<unsigned char>(c))) {
            return Error("invalid condition reference '$" + ref + "'");
          }
        }
        if (ref.size() > 9 || std::stoi(ref) >= count_) {
          return Error("condition $" + ref + " does not exist (the query has " +
                       std::to_string(count_) + " condition" + (count_ == 1 ? "" : "s") + ")");
        }
        r.condition = std::stoi(ref);
      } else {
        std::string lower;
        for (char c : ref)
          lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        auto it = names_.find(lower);
        if (it == names_.end()) return Error("no condition is named '" + ref + "'");
        r.condition = it->second;
      }
      return r;
    }
    return Error("expected a condition ($0, $name), 'not' or '(' but found " + Excerpt());
  }

  const std::string& text_;
  int count_;
  const std::map<std::string, int>& names_;
  size_t pos_ = 0;
};

void Print(const Relation& r, std::string* out, bool parenthesise) {
  switch (r.kind) {
    case Relation::Kind::kCondition:
      *out += "$" + std::to_string(r.condition);
      return;
    case Relation::Kind::kNot:
      *out += "not ";
      Print(r.operands[0], out, true);
      return;
    case Relation::Kind::kAnd:
    case Relation::Kind::kOr: {
      if (parenthesise) *out += "(";
      const char* op = r.kind == Relation::Kind::kAnd ? " and " : " or ";
      for (size_t i = 0; i < r.operands.size(); ++i) {
        if (i > 0) *out += op;
        Print(r.operands[i], out, true);
      }
      if (parenthesise) *out += ")";
      return;
    }
  }
}

}  // namespace

Result<Relation> ParseRelation(const std::string& text, int condition_count,
                               const std::map<std::string, int>& names) {
  return RelationParser(text, condition_count, names).Parse();
}

std::string RelationToString(const Relation& relation) {
  std::string out;
  Print(relation, &out, false);
  return out;
}

}  // namespace frocket::query
