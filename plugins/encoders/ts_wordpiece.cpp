// Character classes follow HuggingFace's BasicTokenizer (Unicode categories
// Zs, Cc/Cf, P*). Without ICU the non-ASCII tables cover the blocks that
// occur in gene descriptions: Latin-1, Latin Extended-A, Greek, Cyrillic,
// general and CJK punctuation. Characters outside them are kept as word
// characters, which is what BERT does with symbols (e.g. '±', '°').
#include "ts_wordpiece.hpp"

#include <algorithm>
#include <utility>

#include "trellis/sdk/error.hpp"

namespace trellis::encoders {

namespace {

constexpr std::size_t kMaxWordChars = 100;  // BERT's max_input_chars_per_word

/// Code points of UTF-8 `text`; an invalid byte becomes U+FFFD (which the
/// cleaning step then drops, as BERT does).
std::u32string decode(const std::string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    int extra = 0;
    char32_t cp = 0;
    if (b < 0x80) {
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1F, extra = 1;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0F, extra = 2;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07, extra = 3;
    } else {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    bool ok = true;
    for (int k = 1; ok && k <= extra; ++k) {
      if (i + k >= text.size()) {
        ok = false;
        break;
      }
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xC0) != 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(const std::u32string& text, std::size_t begin, std::size_t end) {
  std::string out;
  for (std::size_t i = begin; i < end; ++i) append_utf8(out, text[i]);
  return out;
}

bool is_whitespace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == 0x00A0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_control(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x00AD || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) || c == 0xFEFF;
}

bool is_punctuation(char32_t c) {
  // BERT counts every non-alphanumeric ASCII character as punctuation.
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  return c == 0x00A1 || c == 0x00A7 || c == 0x00AB || c == 0x00B6 || c == 0x00B7 || c == 0x00BB || c == 0x00BF ||
         (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x2043) || (c >= 0x2045 && c <= 0x2051) ||
         (c >= 0x2053 && c <= 0x205E) || (c >= 0x3001 && c <= 0x3003) || (c >= 0x3008 && c <= 0x3011) ||
         (c >= 0x3014 && c <= 0x301F) || (c >= 0xFF01 && c <= 0xFF0F);
}

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2CEAF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

char32_t to_lower(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 32;
  if (c < 0xC0) return c;
  if (c <= 0xDE) return c == 0xD7 ? c : c + 0x20;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x130) return U'i';  // Python: "İ".lower() is "i" + a combining dot, which accent stripping drops
    if (c == 0x178) return 0xFF;
    const bool even_upper = (c < 0x138 && c != 0x131) || (c >= 0x14A && c <= 0x177);
    const bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if ((even_upper && c % 2 == 0) || (odd_upper && c % 2 == 1)) return c + 1;
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;  // Greek capitals
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;                // Cyrillic capitals
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

// Base letter of each precomposed Latin letter whose NFD form is letter +
// combining mark; '.' where there is no such decomposition (æ, ø, ß, đ, ł).
constexpr const char* kLatin1Base = "AAAAAA.CEEEEIIII.NOOOOO..UUUUY..aaaaaa.ceeeeiiii.nooooo..uuuuy.y";  // U+00C0..U+00FF
constexpr const char* kLatinExtABase =                                                                    // U+0100..U+017F
    "AaAaAaCcCcCcCcDd..EeEeEeEeEeGgGgGgGgHh..IiIiIiIiI...JjKk.LlLlLl....NnNnNn...OoOoOo..RrRrRrSsSsSsSsTtTt.."
    "UuUuUuUuUuUuWwYyYZzZzZz.";

/// Accent stripping (NFD, then drop marks), 0 to drop the character.
char32_t strip_accent(char32_t c) {
  if (c >= 0x300 && c <= 0x36F) return 0;  // combining diacritical marks
  if (c >= 0xC0 && c <= 0xFF) {
    const char base = kLatin1Base[c - 0xC0];
    return base == '.' ? c : static_cast<char32_t>(base);
  }
  if (c >= 0x100 && c <= 0x17F) {
    const char base = kLatinExtABase[c - 0x100];
    return base == '.' ? c : static_cast<char32_t>(base);
  }
  switch (c) {  // Greek letters with tonos
    case 0x3AC: return 0x3B1;
    case 0x3AD: return 0x3B5;
    case 0x3AE: return 0x3B7;
    case 0x3AF: return 0x3B9;
    case 0x3CC: return 0x3BF;
    case 0x3CD: return 0x3C5;
    case 0x3CE: return 0x3C9;
    default: return c;
  }
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(Vocab vocab, bool lower_case, std::string who)
    : vocab_(std::move(vocab)), lower_case_(lower_case) {
  cls_ = vocab_.require("[CLS]", who);
  sep_ = vocab_.require("[SEP]", who);
  pad_ = vocab_.require("[PAD]", who);
  unk_ = vocab_.require("[UNK]", who);
  vocab_.for_each_token([this](const std::string& token) {
    std::size_t chars = 0;
    for (std::size_t i = token.rfind("##", 0) == 0 ? 2 : 0; i < token.size(); ++i)
      if ((static_cast<unsigned char>(token[i]) & 0xC0) != 0x80) ++chars;  // UTF-8 lead bytes
    longest_piece_ = std::max(longest_piece_, chars);
  });
}

std::vector<std::string> WordPieceTokenizer::basic_tokens(const std::string& text) const {
  std::vector<std::string> tokens;
  std::u32string word;
  const auto flush = [&] {
    if (!word.empty()) tokens.push_back(encode_utf8(word, 0, word.size()));
    word.clear();
  };
  for (char32_t c : decode(text)) {
    if (c == 0 || c == 0xFFFD || is_control(c)) continue;
    if (is_whitespace(c)) {
      flush();
      continue;
    }
    if (lower_case_) {
      c = strip_accent(to_lower(c));
      if (c == 0) continue;
    }
    if (is_punctuation(c) || is_cjk(c)) {
      flush();
      word.push_back(c);
      flush();
      continue;
    }
    word.push_back(c);
  }
  flush();
  return tokens;
}

std::vector<std::string> WordPieceTokenizer::tokenize(const std::string& text) const {
  std::vector<std::string> pieces;
  std::vector<std::string> word_pieces;
  for (const std::string& token : basic_tokens(text)) {
    const std::u32string chars = decode(token);
    if (chars.size() > kMaxWordChars) {
      pieces.emplace_back("[UNK]");
      continue;
    }
    // Greedy longest match first; one unmatched remainder makes the whole word [UNK].
    word_pieces.clear();
    bool bad = false;
    for (std::size_t start = 0; start < chars.size();) {
      std::size_t end = std::min(chars.size(), start + longest_piece_);
      std::string found;
      for (; end > start; --end) {
        std::string candidate = (start > 0 ? "##" : "") + encode_utf8(chars, start, end);
        if (vocab_.find(candidate)) {
          found = std::move(candidate);
          break;
        }
      }
      if (end == start) {
        bad = true;
        break;
      }
      word_pieces.push_back(std::move(found));
      start = end;
    }
    if (bad) pieces.emplace_back("[UNK]");
    else pieces.insert(pieces.end(), word_pieces.begin(), word_pieces.end());
  }
  return pieces;
}

std::vector<std::int64_t> WordPieceTokenizer::encode(const std::string& text, std::int64_t max_length) const {
  const std::vector<std::string> pieces = tokenize(text);
  const std::size_t keep = std::min(pieces.size(), static_cast<std::size_t>(std::max<std::int64_t>(max_length - 2, 0)));
  std::vector<std::int64_t> ids;
  ids.reserve(keep + 2);
  ids.push_back(cls_);
  for (std::size_t i = 0; i < keep; ++i) ids.push_back(pieces[i] == "[UNK]" ? unk_ : *vocab_.find(pieces[i]));
  ids.push_back(sep_);
  return ids;
}

}  // namespace trellis::encoders
