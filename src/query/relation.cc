#include "query/relation.h"

#include <cctype>

namespace frocket::query {

namespace {

class RelationParser {
 public:
  RelationParser(const std::string& text, const std::vector<std::optional<std::string>>& names)
      : text_(text), names_(names) {}

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
      // An index is digits only, so "$0and$1" reads as "$0 and $1" (as in Funnel Rocket).
      bool index = pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]));
      while (pos_ < text_.size() &&
             (index ? std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0
                    : IsWordChar(text_[pos_]))) {
        ++pos_;
      }
      std::string ref = text_.substr(start, pos_ - start);
      if (ref.empty()) return Error("'$' must be followed by a condition index or name");
      Relation r;
      if (index) {
        int count = static_cast<int>(names_.size());
        if (ref.size() > 9 || std::stoi(ref) >= count) {
          return Error("condition $" + ref + " does not exist (the query has " +
                       std::to_string(count) + " condition" + (count == 1 ? "" : "s") + ")");
        }
        r.condition = std::stoi(ref);
      } else {
        FROCKET_ASSIGN_OR_RETURN(r.condition, Resolve(ref));
      }
      return r;
    }
    return Error("expected a condition ($0, $name), 'not' or '(' but found " + Excerpt());
  }

  // A name as written if a condition has it; otherwise the one name equal to it ignoring case.
  Result<int> Resolve(const std::string& ref) const {
    std::vector<int> by_case;
    for (size_t i = 0; i < names_.size(); ++i) {
      if (!names_[i]) continue;
      if (*names_[i] == ref) return static_cast<int>(i);
      if (EqualsIgnoringCase(*names_[i], ref)) by_case.push_back(static_cast<int>(i));
    }
    if (by_case.empty()) return Error("no condition is named '" + ref + "'");
    if (by_case.size() > 1) {
      std::string which;
      for (int i : by_case) {
        which += (which.empty() ? "" : ", ") +
                 ("'" + *names_[static_cast<size_t>(i)] + "' ($" + std::to_string(i) + ")");
      }
      return Error("'$" + ref + "' matches conditions " + which +
                   " only ignoring case; write the name exactly");
    }
    return by_case[0];
  }
  static bool EqualsIgnoringCase(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) !=
          std::tolower(static_cast<unsigned char>(b[i]))) {
        return false;
      }
    }
    return true;
  }

  const std::string& text_;
  const std::vector<std::optional<std::string>>& names_;
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

Result<Relation> ParseRelation(const std::string& text,
                               const std::vector<std::optional<std::string>>& names) {
  return RelationParser(text, names).Parse();
}

std::string RelationToString(const Relation& relation) {
  std::string out;
  Print(relation, &out, false);
  return out;
}

}  // namespace frocket::query
