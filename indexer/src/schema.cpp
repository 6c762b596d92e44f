#include <sstream>

#include "index_meta.hpp"
#include "studysearch/detail/schema.hpp"
#include "studysearch/error.hpp"

namespace studysearch::meta {

std::string describe(const AnalyzerSettings& settings) {
  return settings.normalizer + "/snowball-" + settings.stemmer;
}

std::string serialize(const IndexSettings& s) {
  std::ostringstream out;
  out << "title=" << s.title_weight << ";summary=" << s.summary_weight << ";relevance=" << s.relevance_weight
      << ";limitations=" << s.limitations_weight << ";author=" << s.author_weight
      << ";journal=" << s.journal_weight << ";abbreviations=" << s.abbreviation_weight;
  return out.str();
}

IndexSettings parse_settings(const std::string& text, const std::string& path) {
  IndexSettings s;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ';')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = item.substr(0, eq);
    unsigned value = 0;
    try {
      value = static_cast<unsigned>(std::stoul(item.substr(eq + 1)));
    } catch (const std::exception&) {
      throw Error(ErrorKind::index_incompatible, path + ": unreadable index settings '" + text + "'");
    }
    if (key == "title") s.title_weight = value;
    else if (key == "summary") s.summary_weight = value;
    else if (key == "relevance") s.relevance_weight = value;
    else if (key == "limitations") s.limitations_weight = value;
    else if (key == "author") s.author_weight = value;
    else if (key == "journal") s.journal_weight = value;
    else if (key == "abbreviations") s.abbreviation_weight = value;
    else throw Error(ErrorKind::index_incompatible, path + ": unknown index setting '" + key + "'");
  }
  return s;
}

void write(Xapian::WritableDatabase& db, const AnalyzerSettings& analyzer, const IndexSettings& settings) {
  db.set_metadata(std::string(schema::kMetaSchemaVersion), std::to_string(schema::kSchemaVersion));
  db.set_metadata(std::string(schema::kMetaAnalyzer), describe(analyzer));
  db.set_metadata(std::string(schema::kMetaSettings), serialize(settings));
  db.set_metadata(std::string(schema::kMetaFields), fields_fingerprint());
}

bool is_fresh(const Xapian::Database& db) {
  return db.get_metadata(std::string(schema::kMetaSchemaVersion)).empty() && db.get_doccount() == 0;
}

IndexSettings check(const Xapian::Database& db, const AnalyzerSettings& analyzer, const std::string& path) {
  const std::string version = db.get_metadata(std::string(schema::kMetaSchemaVersion));
  if (version.empty())
    throw Error(ErrorKind::index_incompatible,
                path + ": not a studysearch index (no schema version); rebuild it with 'studysearch index'");
  if (version != std::to_string(schema::kSchemaVersion))
    throw Error(ErrorKind::index_incompatible,
                path + ": index schema version " + version + ", this build reads version " +
                    std::to_string(schema::kSchemaVersion) + "; rebuild the index into a new folder");
  const std::string stored = db.get_metadata(std::string(schema::kMetaAnalyzer));
  if (stored != describe(analyzer))
    throw Error(ErrorKind::index_incompatible,
                path + ": index built with analyzer '" + stored + "', this build uses '" + describe(analyzer) +
                    "'; rebuild the index into a new folder");
  const std::string fields = db.get_metadata(std::string(schema::kMetaFields));
  if (fields != fields_fingerprint())
    throw Error(ErrorKind::index_incompatible,
                path + ": index built with the fields '" + fields + "', this build has '" + fields_fingerprint() +
                    "'; rebuild the index into a new folder");
  return parse_settings(db.get_metadata(std::string(schema::kMetaSettings)), path);
}

}  // namespace studysearch::meta
