#pragma once
// English stop words for the text encoders' tokenizer.

#include <string>

namespace trellis::encoders {

/// True for one of scikit-learn's 318 English stop words (lower case).
bool is_stop_word(const std::string& word);

}  // namespace trellis::encoders
