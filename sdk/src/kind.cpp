// The table of declared component kinds. It lives in the SDK library so the
// host and every plugin see one table, whichever declared a kind first.
#include <algorithm>
#include <map>
#include <mutex>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/kind.hpp"

namespace trellis::sdk {

namespace {

struct KindTable {
  std::mutex mutex;
  std::map<std::string, KindInfo> kinds;
};

KindTable& table() {
  static KindTable instance;  // constructed on first use: declarations run during static initialisation
  return instance;
}

}  // namespace

bool declare_kind(const KindInfo& kind) {
  if (kind.name.empty() || kind.name.find('/') != std::string::npos)
    throw Error("cannot declare a component kind named '" + kind.name + "': a kind name is non-empty and has no '/'");
  KindTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  const auto [it, added] = t.kinds.emplace(kind.name, kind);
  if (!added && it->second.type_id != kind.type_id)
    throw Error("component kind '" + kind.name + "' is declared twice, for interface " + it->second.interface +
                " and for interface " + kind.interface + "; choose another name for one of them");
  return true;
}

std::vector<KindInfo> declared_kinds() {
  KindTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  std::vector<KindInfo> out;
  for (const auto& entry : t.kinds) out.push_back(entry.second);
  return out;
}

std::optional<KindInfo> find_kind(const std::string& name) {
  KindTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  const auto it = t.kinds.find(name);
  if (it == t.kinds.end()) return std::nullopt;
  return it->second;
}

}  // namespace trellis::sdk
