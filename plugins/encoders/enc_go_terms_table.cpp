#include "enc_go_terms_table.hpp"

#include <algorithm>
#include <vector>

#include "trellis/sdk/suggest.hpp"
#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::encoders {

std::unordered_map<std::string, GoTerm> read_go_term_table(const std::string& path, const std::string& what) {
  sdk::TextInput reader(sdk::expand_data_dir(path), what);
  std::string line;
  if (!reader.next(line)) throw sdk::Error(what + ": GO term file '" + reader.path().string() + "' is empty");
  const auto header = sdk::split_fields(line);
  const auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      const std::string present = sdk::join(header);
      throw sdk::Error(what + ": GO term file '" + reader.path().string() + "' has no column '" + name + "' (columns: " +
                       present + "); expected a table like genes/go_terms.tsv.gz of the shared data");
    }
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t id = column("go_id"), ontology = column("ontology"), term = column("term");
  const std::size_t needed = std::max({id, ontology, term});
  std::unordered_map<std::string, GoTerm> out;
  while (reader.next(line)) {
    if (line.empty()) continue;
    auto fields = sdk::split_fields(line);
    if (fields.size() <= needed) continue;
    out[fields[id]] = GoTerm{std::move(fields[ontology]), std::move(fields[term])};
  }
  return out;
}

}  // namespace trellis::encoders
