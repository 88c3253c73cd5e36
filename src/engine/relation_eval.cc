#include "engine/relation_eval.h"

namespace frocket::engine {

std::vector<uint8_t> EvalRelation(const query::Relation& r,
                                  const std::vector<std::vector<uint8_t>>& flags) {
  switch (r.kind) {
    case query::Relation::Kind::kCondition:
      return flags[static_cast<size_t>(r.condition)];
    case query::Relation::Kind::kNot: {
      std::vector<uint8_t> v = EvalRelation(r.operands[0], flags);
      for (auto& x : v) x = !x;
      return v;
    }
    case query::Relation::Kind::kAnd:
    case query::Relation::Kind::kOr: {
      std::vector<uint8_t> v = EvalRelation(r.operands[0], flags);
      for (size_t i = 1; i < r.operands.size(); ++i) {
        std::vector<uint8_t> w = EvalRelation(r.operands[i], flags);
        if (r.kind == query::Relation::Kind::kAnd) {
          for (size_t g = 0; g < v.size(); ++g) v[g] &= w[g];
        } else {
          for (size_t g = 0; g < v.size(); ++g) v[g] |= w[g];
        }
      }
      return v;
    }
  }
  return {};
}

}  // namespace frocket::engine
