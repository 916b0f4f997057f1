// SPDX-License-Identifier: GPL-3.0-or-later
#include "header_parasite.hpp"

#include <memory>
#include <vector>

#include "astropack/error.hpp"
#include "i18n.hpp"

namespace astropack::gimp {

namespace {

constexpr std::string_view kFirstLine = "astropack-fits-header 1";

void append_escaped(std::string& out, std::string_view text) {
  for (const char ch : text) {
    switch (ch) {
      case '\\': out.append("\\\\"); break;
      case '\t': out.append("\\t"); break;
      case '\n': out.append("\\n"); break;
      default: out.push_back(ch);
    }
  }
}

[[noreturn]] void bad_text() {
  throw Error(ErrorKind::InvalidInput,
              _("The FITS header stored with the image is damaged; remove the "
                "\"astropack-fits-header\" parasite or open the FITS file again."));
}

// Splits one line into its tab-separated fields, undoing the escapes.
std::vector<std::string> fields_of(std::string_view line) {
  std::vector<std::string> fields(1);
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (ch == '\t') {
      fields.emplace_back();
    } else if (ch == '\\') {
      if (++i == line.size()) bad_text();
      switch (line[i]) {
        case '\\': fields.back().push_back('\\'); break;
        case 't': fields.back().push_back('\t'); break;
        case 'n': fields.back().push_back('\n'); break;
        default: bad_text();
      }
    } else {
      fields.back().push_back(ch);
    }
  }
  return fields;
}

struct ParasiteFree {
  void operator()(GimpParasite* parasite) const noexcept { gimp_parasite_free(parasite); }
};

}  // namespace

std::string header_to_text(const Header& header) {
  std::string text(kFirstLine);
  text.push_back('\n');
  for (const Card& card : header.to_cards()) {
    append_escaped(text, card.keyword);
    text.push_back('\t');
    append_escaped(text, card.value);
    text.push_back('\t');
    append_escaped(text, card.comment);
    text.push_back('\n');
  }
  return text;
}

Header header_from_text(std::string_view text) {
  const std::size_t first_end = text.find('\n');
  if (text.substr(0, first_end) != kFirstLine) bad_text();
  std::vector<Card> cards;
  std::size_t start = first_end == std::string_view::npos ? text.size() : first_end + 1;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    std::vector<std::string> fields = fields_of(line);
    if (fields.size() != 3) bad_text();
    cards.push_back({std::move(fields[0]), std::move(fields[1]), std::move(fields[2])});
  }
  return Header::from_cards(cards);
}

void attach_header(gint32 image, const Header& header) {
  const std::string text = header_to_text(header);
  std::unique_ptr<GimpParasite, ParasiteFree> parasite(
      gimp_parasite_new(kHeaderParasite, GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
                        static_cast<guint32>(text.size()), text.data()));
  if (!parasite || !gimp_image_attach_parasite(image, parasite.get()))
    throw Error(ErrorKind::Internal, _("GIMP could not keep the FITS header with the image."));
}

std::optional<Header> find_header(gint32 image) {
  std::unique_ptr<GimpParasite, ParasiteFree> parasite(
      gimp_image_get_parasite(image, kHeaderParasite));
  if (!parasite) return std::nullopt;
  const auto* data = static_cast<const char*>(gimp_parasite_data(parasite.get()));
  const std::size_t size = gimp_parasite_data_size(parasite.get());
  return header_from_text(std::string_view(data != nullptr ? data : "", data ? size : 0));
}

}  // namespace astropack::gimp
