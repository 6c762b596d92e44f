// Issue 17, the write side of shard sets: `studysearch shard` (split_index)
// and routed writes through a stub (RoutedWriter) to local shards and to
// remote ones served by xapian-tcpsrv --writable. Shards are checked with
// Xapian directly: every id on exactly owner_shard(id, N), nothing lost.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <xapian.h>

#include <csignal>
#include <cstdlib>
#include <sstream>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "shard_set.hpp"
#include "studysearch/error.hpp"
#include "studysearch/shards.hpp"
#include "studysearch/sync.hpp"
#include "tcpsrv.hpp"
#include "test_support.hpp"

using namespace studysearch;
using namespace studysearch::test;
namespace fs = std::filesystem;

namespace {

const std::string kSample = std::string(STUDYSEARCH_SOURCE_DIR) + "/corpus/sample/studies.jsonl";
const std::string kMedline = std::string(STUDYSEARCH_DATA_DIR) + "/medline-sample/medline16n0902.xml.gz";
const std::string kProgram = std::string(STUDYSEARCH_BINARY_DIR) + "/app/studysearch";

// id -> docid, of one Xapian database.
std::map<std::string, Xapian::docid> docids(const Xapian::Database& db) {
  std::map<std::string, Xapian::docid> out;
  for (auto t = db.allterms_begin("Q"); t != db.allterms_end("Q"); ++t)
    for (auto p = db.postlist_begin(*t); p != db.postlist_end(*t); ++p) CHECK(out.emplace((*t).substr(1), *p).second);
  return out;
}

std::size_t count(const std::string& folder) { return Xapian::Database(folder).get_doccount(); }

// A document as stored: data, terms with wdf and positions, values.
std::string stored_form(const Xapian::Document& doc) {
  std::string out = doc.get_data() + "\n";
  for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
    out += *t + ":" + std::to_string(t.get_wdf());
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) out += "," + std::to_string(*p);
    out += " ";
  }
  for (auto v = doc.values_begin(); v != doc.values_end(); ++v) out += "\n" + std::to_string(v.get_valueno()) + "=" + *v;
  return out;
}

std::map<std::string, Xapian::doccount> spellings(const Xapian::Database& db) {
  std::map<std::string, Xapian::doccount> out;
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) out[*it] = it.get_termfreq();
  return out;
}

// The ids of shard k of n, each checked to be one it owns.
std::set<std::string> owned_ids(const std::string& folder, std::size_t k, std::size_t n) {
  std::set<std::string> ids;
  for (const auto& [id, docid] : docids(Xapian::Database(folder))) {
    INFO("id " << id << " on shard " << k << " of " << n);
    CHECK(owner_shard(id, n) == k);
    ids.insert(id);
  }
  return ids;
}

// Every shard's ids are its own, no id is on two shards; returns their union.
std::set<std::string> check_routing(const std::vector<std::string>& folders) {
  std::set<std::string> all;
  for (std::size_t k = 0; k < folders.size(); ++k)
    for (const auto& id : owned_ids(folders[k], k, folders.size())) CHECK(all.insert(id).second);
  return all;
}

std::string sample_index(const TempDir& dir, const std::string& name = "src") {
  const std::string path = dir.file(name);
  IndexWriter::open(path).index_files({kSample});
  return path;
}

std::set<std::string> sample_ids() {
  std::set<std::string> ids;
  RecordSink sink;
  sink.on_study = [&](SourcedStudy&& s) { ids.insert(s.study.id); };
  sink.on_issue = [](RecordIssue&&) { FAIL("the sample is valid"); };
  read_file(kSample, {}, sink);
  return ids;
}

// A JSONL file of `n` new studies (ids new-0 ...).
std::string new_studies(const TempDir& dir, std::size_t n, const std::string& name = "new.jsonl") {
  std::string text;
  for (std::size_t i = 0; i < n; ++i)
    text += to_json(make_study("new-" + std::to_string(i), "Added study " + std::to_string(i),
                               "Heart rate variability in patients after exertion, set " + std::to_string(i))) +
            "\n";
  write_text_file(dir.file(name), text);
  return dir.file(name);
}

std::string empty_xapian(const TempDir& dir, const std::string& name) {
  Xapian::WritableDatabase(dir.file(name), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS).commit();
  return dir.file(name);
}

ErrorKind kind_of(const std::function<void()>& f, std::string& message) {
  try {
    f();
  } catch (const Error& e) {
    message = e.what();
    return e.kind();
  }
  FAIL("no error");
  return ErrorKind::internal;
}

// xapian-tcpsrv serves each connection in a child process: killing the
// server leaves an open connection served, so its children go too.
void kill_children(pid_t server) {
  std::istringstream children(read_text_file("/proc/" + std::to_string(server) + "/task/" + std::to_string(server) +
                                             "/children"));
  for (pid_t child; children >> child;) {
    ::kill(child, SIGKILL);
  }
}

int run_cli(const TempDir& dir, const std::string& args) {
  const std::string command = "'" + kProgram + "' " + args + " >" + dir.file("out.txt") + " 2>" + dir.file("err.txt");
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("shard splits an index: each study on its owner shard, as stored, with metadata and spelling", "[shards]") {
  TempDir dir;
  const std::string src = sample_index(dir);
  const std::string out = dir.file("set");
  const SplitReport report = split_index(src, 3, out);
  const Xapian::Database source(src);
  CHECK(report.documents == source.get_doccount());

  const ShardSet set = read_shard_set(out + "/shards.stub");
  REQUIRE(set.shards.size() == 3);
  std::vector<std::string> folders;
  for (const auto& s : set.shards) {
    CHECK(s.kind == ShardSpec::Kind::local);
    CHECK(fs::equivalent(s.path, out + "/shard_" + std::to_string(s.index)));
    folders.push_back(s.path);
  }
  CHECK(check_routing(folders) == sample_ids());

  const auto source_ids = docids(source);
  for (std::size_t k = 0; k < 3; ++k) {
    const Xapian::Database shard(folders[k]);
    CHECK(shard.get_doccount() == report.per_shard[k]);
    // Documents as stored, in source docid order.
    Xapian::docid previous = 0;
    for (auto post = shard.postlist_begin(""); post != shard.postlist_end(""); ++post) {
      const Xapian::Document doc = shard.get_document(*post);
      std::string id_term;
      for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        if ((*t).starts_with("Q")) id_term = *t;
      const Xapian::docid in_source = source_ids.at(id_term.substr(1));
      CHECK(stored_form(doc) == stored_form(source.get_document(in_source)));
      CHECK(in_source > previous);
      previous = in_source;
    }
    // Every metadata key of the source but bulk_loaded, and the label.
    for (auto key = source.metadata_keys_begin(); key != source.metadata_keys_end(); ++key) {
      INFO(*key);
      if (*key == "studysearch.bulk_loaded") CHECK(shard.get_metadata(*key).empty());
      else CHECK(shard.get_metadata(*key) == source.get_metadata(*key));
    }
    CHECK(shard.get_metadata("studysearch.shard") == std::to_string(k) + "/3");
    CHECK_FALSE(shard.get_metadata("studysearch.schema_version").empty());
  }
  // Every shard carries the source's whole spelling table (remote shards serve
  // none, so a search host needs all of it on any local shard; tests/shards.cpp
  // checks that did-you-mean and completion then match one index).
  for (const auto& folder : folders) CHECK(spellings(Xapian::Database(folder)) == spellings(source));

  // All or nothing, never over an existing folder, no work folder left.
  for (const auto& entry : fs::directory_iterator(dir.path()))
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
  std::string message;
  CHECK(kind_of([&] { split_index(src, 3, out); }, message) == ErrorKind::invalid_input);
  CHECK(message.find("already exists") != std::string::npos);
  CHECK(kind_of([&] { split_index(src, 0, dir.file("zero")); }, message) == ErrorKind::invalid_input);
  CHECK(kind_of([&] { split_index(out + "/shards.stub", 2, dir.file("again")); }, message) ==
        ErrorKind::invalid_input);
  CHECK(kind_of([&] { split_index(dir.file("nothing"), 2, dir.file("none")); }, message) == ErrorKind::index_missing);
  CHECK_FALSE(fs::exists(dir.file("zero")));
  CHECK_FALSE(fs::exists(dir.file("none")));
}

TEST_CASE("routed writes through 1 local + 2 remote shards: each id on its owner, reruns converge", "[shards][remote]") {
  if (!have_tcpsrv()) {
    WARN("xapian-tcpsrv is not installed (Debian xapian-tools): remote shards not tested");
    return;
  }
  TempDir dir;
  const std::vector<std::string> folders{dir.file("local0"), empty_xapian(dir, "remote1"), empty_xapian(dir, "remote2")};
  TcpServer one(folders[1], true), two(folders[2], true);
  const std::string stub = dir.file("set.stub");
  write_text_file(stub, "# one local, two remote\nauto local0\n" + one.stub_line() + "\n" + two.stub_line() + "\n");
  const std::set<std::string> ids = sample_ids();

  IndexReport first, second;
  {
    auto writer = RoutedWriter::open(stub);
    first = writer.index_files({kSample}, {});
    CHECK(writer.document_count() == ids.size());
    second = writer.index_files({kSample}, {});
    CHECK(writer.document_count() == ids.size());
  }
  CHECK(first.added == ids.size());
  CHECK(first.replaced == 0);
  CHECK(second.added == 0);
  CHECK(second.replaced == ids.size());
  CHECK(check_routing(folders) == ids);
  for (std::size_t k = 0; k < 3; ++k)
    CHECK(Xapian::Database(folders[k]).get_metadata("studysearch.shard") == std::to_string(k) + "/3");

  SECTION("delete removes the id from its shard only; unknown ids delete nothing") {
    std::string on_remote;
    for (const auto& id : ids)
      if (owner_shard(id, 3) == 2) on_remote = id;
    REQUIRE_FALSE(on_remote.empty());
    auto writer = RoutedWriter::open(stub);
    std::string message;
    CHECK(kind_of([&] { writer.delete_ids({on_remote, "no-such-study"}); }, message) == ErrorKind::not_found);
    CHECK(message.find("no-such-study") != std::string::npos);
    CHECK(count(folders[2]) == owned_ids(folders[2], 2, 3).size());
    const std::size_t before = count(folders[2]);
    CHECK(writer.delete_ids({on_remote}).deleted == 1);
    CHECK(count(folders[2]) == before - 1);
    CHECK_FALSE(owned_ids(folders[2], 2, 3).count(on_remote));
    CHECK(writer.delete_ids({on_remote}, /*ignore_missing=*/true).deleted == 0);
    CHECK(writer.document_count() == ids.size() - 1);
  }

  SECTION("a remote shard that is down: shard_unavailable naming it, the other shards keep their last commit") {
    const std::string added = new_studies(dir, 40);
    std::vector<std::size_t> before;
    for (const auto& f : folders) before.push_back(count(f));
    two.kill();
    std::string message;
    CHECK(kind_of([&] { RoutedWriter::open(stub).index_files({added}, {}); }, message) ==
          ErrorKind::shard_unavailable);
    CHECK(message.find("shard 2 (remote 127.0.0.1:" + std::to_string(two.port()) + ")") != std::string::npos);
    for (std::size_t k = 0; k < 3; ++k) {
      const Xapian::Database shard(folders[k]);
      CHECK(shard.get_doccount() == before[k]);
      Xapian::Enquire enquire(shard);
      enquire.set_query(Xapian::Query(Xapian::Query::MatchAll));
      CHECK(enquire.get_mset(0, 1000).size() == before[k]);
    }
  }

  SECTION("a shard lost between two shard commits: the next shards keep the old state, a rerun repairs") {
    const std::string added = new_studies(dir, 40);
    std::string message;
    {
      auto writer = RoutedWriter::open(stub);  // every shard up when the run starts
      kill_children(two.pid());                // ... and shard 2 gone before its turn
      two.kill();
      CHECK(kind_of([&] { writer.index_files({added}, {}); }, message) == ErrorKind::shard_unavailable);
    }
    CHECK(message.find("shard 2 (remote") != std::string::npos);
    CHECK(message.find("shards 0, 1 committed") != std::string::npos);
    std::set<std::string> new_ids;
    for (std::size_t i = 0; i < 40; ++i) new_ids.insert("new-" + std::to_string(i));
    const auto on = [&](std::size_t k) {
      std::size_t n = 0;
      for (const auto& id : owned_ids(folders[k], k, 3)) n += new_ids.count(id);
      return n;
    };
    std::size_t owned_by_2 = 0;
    for (const auto& id : new_ids) owned_by_2 += owner_shard(id, 3) == 2;
    CHECK(on(0) + on(1) == 40 - owned_by_2);
    CHECK(on(2) == 0);
    // The shard comes back (on another port: a new stub line); the same command again converges.
    TcpServer back(folders[2], true);
    write_text_file(stub, "auto local0\n" + one.stub_line() + "\n" + back.stub_line() + "\n");
    {
      auto writer = RoutedWriter::open(stub);
      const IndexReport rerun = writer.index_files({added}, {});
      CHECK(rerun.added == owned_by_2);
      CHECK(rerun.replaced == 40 - owned_by_2);
      CHECK(writer.document_count() == ids.size() + 40);
    }
    CHECK(on(2) == owned_by_2);
    std::set<std::string> want = ids;
    want.insert(new_ids.begin(), new_ids.end());
    CHECK(check_routing(folders) == want);
  }
}

TEST_CASE("routed writes to a split set: validation covers the whole run, a partial run is repaired", "[shards]") {
  TempDir dir;
  const std::string out = dir.file("set");
  split_index(sample_index(dir), 3, out);
  const std::string stub = out + "/shards.stub";
  std::vector<std::string> folders;
  for (std::size_t k = 0; k < 3; ++k) folders.push_back(out + "/shard_" + std::to_string(k));
  const std::size_t base = sample_ids().size();

  SECTION("one invalid record anywhere writes nothing on any shard") {
    std::string text = read_text_file(new_studies(dir, 30));
    text += "{\"id\": \"bad-one\", \"summary\": \"\"}\n";
    write_text_file(dir.file("bad.jsonl"), text);
    std::string message;
    CHECK(kind_of([&] { RoutedWriter::open(stub).index_files({dir.file("bad.jsonl")}, {}); }, message) ==
          ErrorKind::invalid_input);
    CHECK(message.find("bad.jsonl:31") != std::string::npos);
    CHECK(message.find("shard") == std::string::npos);
    std::size_t total = 0;
    for (const auto& f : folders) total += count(f);
    CHECK(total == base);
    // --skip-invalid: the valid ones, the issue reported once.
    WriterOptions skip;
    skip.skip_invalid = true;
    const IndexReport report = RoutedWriter::open(stub).index_files({dir.file("bad.jsonl")}, skip);
    CHECK(report.added == 30);
    CHECK(report.issues.size() == 1);
    CHECK(report.skipped == 1);
  }

  SECTION("a crash after shard 0's commit: rerunning the same command completes the run") {
    const std::string added = new_studies(dir, 50);
    {  // what shard 0's commit of the run leaves, as if the process died right after it
      WriterOptions only0;
      only0.bulk_min_records = 0;
      only0.owns = [](std::string_view id) { return owner_shard(id, 3) == 0; };
      IndexWriter::open(folders[0]).index_files({added}, only0);
    }
    std::size_t on0 = 0;
    for (std::size_t i = 0; i < 50; ++i) on0 += owner_shard("new-" + std::to_string(i), 3) == 0;
    REQUIRE(on0 > 0);
    auto writer = RoutedWriter::open(stub);
    const IndexReport rerun = writer.index_files({added}, {});
    CHECK(rerun.replaced == on0);  // shard 0 had them: replaced by the same records
    CHECK(rerun.added == 50 - on0);
    CHECK(writer.document_count() == base + 50);
    check_routing(folders);
    const IndexReport again = writer.index_files({added}, {});
    CHECK(again.replaced == 50);
    CHECK(writer.document_count() == base + 50);
  }

  SECTION("a stub that does not match the shards' labels is refused before anything is written") {
    std::string message;
    write_text_file(dir.file("swapped.stub"), "auto set/shard_1\nauto set/shard_0\nauto set/shard_2\n");
    CHECK(kind_of([&] { RoutedWriter::open(dir.file("swapped.stub")); }, message) == ErrorKind::index_incompatible);
    CHECK(message.find("shard 0 (") != std::string::npos);
    CHECK(message.find("is shard 1/3") != std::string::npos);
    write_text_file(dir.file("two.stub"), "auto set/shard_0\nauto set/shard_1\n");
    CHECK(kind_of([&] { RoutedWriter::open(dir.file("two.stub")); }, message) == ErrorKind::index_incompatible);
    CHECK(message.find("0/3") != std::string::npos);
    write_text_file(dir.file("plain.stub"), "auto src\nauto set/shard_1\n");  // an unsplit index
    CHECK(kind_of([&] { RoutedWriter::open(dir.file("plain.stub")); }, message) == ErrorKind::index_incompatible);
    CHECK(message.find("no shard label") != std::string::npos);
  }

  SECTION("empty new shards get their label with their first commit") {
    write_text_file(dir.file("fresh.stub"), "auto f0\nauto f1\n");
    RoutedWriter::open(dir.file("fresh.stub")).index_files({kSample}, {});
    for (std::size_t k = 0; k < 2; ++k)
      CHECK(Xapian::Database(dir.file("f" + std::to_string(k))).get_metadata("studysearch.shard") ==
            std::to_string(k) + "/2");
    CHECK(check_routing({dir.file("f0"), dir.file("f1")}) == sample_ids());
  }
}

TEST_CASE("a bad stub is an error naming the file and line", "[shards]") {
  TempDir dir;
  std::string message;
  write_text_file(dir.file("a.stub"), "auto x\n# fine\nbogus y\n");
  CHECK(kind_of([&] { RoutedWriter::open(dir.file("a.stub")); }, message) == ErrorKind::invalid_input);
  CHECK(message.find(dir.file("a.stub") + ":3:") != std::string::npos);
  CHECK(message.find("bogus") != std::string::npos);
  write_text_file(dir.file("b.stub"), "remote 127.0.0.1:99999\n");
  CHECK(kind_of([&] { RoutedWriter::open(dir.file("b.stub")); }, message) == ErrorKind::invalid_input);
  CHECK(message.find(dir.file("b.stub") + ":1: bad port") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.file("x")));
}

TEST_CASE("sync through a stub: each shard keeps its own ledger, a file is applied to the shards without it",
          "[shards][sync]") {
  TempDir dir;
  const std::string out = dir.file("set");
  split_index(sample_index(dir), 3, out);
  const std::string stub = out + "/shards.stub";
  fs::create_directories(dir.file("feed"));
  fs::copy_file(kMedline, dir.file("feed/medline16n0902.xml.gz"));
  std::vector<std::string> folders;
  for (std::size_t k = 0; k < 3; ++k) folders.push_back(out + "/shard_" + std::to_string(k));

  // The single-index result to compare with.
  auto single = IndexWriter::open(sample_index(dir, "single"));
  const SyncPlan single_plan = plan_sync(single, dir.file("feed"));
  REQUIRE(single_plan.pending.size() == 1);
  single.apply_file(single_plan.pending[0].path, single_plan.pending[0].entry);

  {  // Shard 1 alone applied the file (a sync that died after shard 1's commit).
    auto writer = RoutedWriter::open(stub);
    const RoutedSyncPlan plan = writer.plan_sync(dir.file("feed"));
    REQUIRE(plan.pending.size() == 1);
    RoutedSyncFile only1 = plan.pending[0];
    only1.shards = {1};
    writer.apply_file(only1, {});
  }
  auto writer = RoutedWriter::open(stub);
  const RoutedSyncPlan plan = writer.plan_sync(dir.file("feed"));
  REQUIRE(plan.pending.size() == 1);
  CHECK(plan.pending[0].shards == std::vector<std::size_t>{0, 2});
  CHECK(plan.already_applied == 0);
  writer.apply_file(plan.pending[0], {});
  const RoutedSyncPlan after = writer.plan_sync(dir.file("feed"));
  CHECK(after.pending.empty());
  CHECK(after.already_applied == 1);
  for (const auto& f : folders) {
    const Xapian::Database shard(f);
    std::vector<std::string> ledger;
    for (auto key = shard.metadata_keys_begin("studysearch.applied/"); key != shard.metadata_keys_end(); ++key)
      if ((*key).starts_with("studysearch.applied/")) ledger.push_back(*key);
    CHECK(ledger == std::vector<std::string>{"studysearch.applied/medline16n0902.xml.gz"});
  }
  std::set<std::string> single_ids;
  for (const auto& [id, docid] : docids(Xapian::Database(dir.file("single"))))
    single_ids.insert(id);
  CHECK(check_routing(folders) == single_ids);
}

TEST_CASE("cli: shard, then index, delete and sync with --db STUB", "[shards][cli]") {
  TempDir dir;
  const std::string src = dir.file("src"), out = dir.file("set"), stub = dir.file("set") + "/shards.stub";
  REQUIRE(run_cli(dir, "index --quiet --db '" + src + "' '" + kSample + "'") == 0);
  REQUIRE(run_cli(dir, "shard --quiet --db '" + src + "' --shards 3 --out '" + out + "'") == 0);
  CHECK(read_text_file(dir.file("err.txt")).find("into 3 shards") != std::string::npos);
  CHECK(run_cli(dir, "shard --quiet --db '" + src + "' --shards 3 --out '" + out + "'") == 2);  // exists
  REQUIRE(run_cli(dir, "index --quiet --db '" + stub + "' '" + kSample + "'") == 0);
  const std::string err = read_text_file(dir.file("err.txt"));
  CHECK(err.find("replaced " + std::to_string(sample_ids().size())) != std::string::npos);
  CHECK(err.find("on 3 shards") != std::string::npos);
  const std::string id = *sample_ids().begin();
  CHECK(run_cli(dir, "delete --db '" + stub + "' " + id) == 0);
  CHECK(run_cli(dir, "delete --db '" + stub + "' " + id) == 1);  // not found: exit 1
  CHECK(run_cli(dir, "delete --db '" + stub + "' --ignore-missing " + id) == 0);
  fs::create_directories(dir.file("feed"));
  fs::copy_file(kMedline, dir.file("feed/m.xml.gz"));
  CHECK(run_cli(dir, "sync --db '" + stub + "' '" + dir.file("feed") + "'") == 0);
  CHECK(run_cli(dir, "sync --db '" + stub + "' '" + dir.file("feed") + "'") == 0);
  CHECK(read_text_file(dir.file("err.txt")).find("nothing to apply") != std::string::npos);
  std::vector<std::string> folders;
  for (std::size_t k = 0; k < 3; ++k) folders.push_back(out + "/shard_" + std::to_string(k));
  CHECK_FALSE(check_routing(folders).count(id));
  // A stub with a remote shard nobody serves: exit 6 (shard unavailable).
  write_text_file(dir.file("down.stub"), "auto set/shard_0\nremote 127.0.0.1:1\nauto set/shard_2\n");
  CHECK(run_cli(dir, "index --quiet --db '" + dir.file("down.stub") + "' '" + kSample + "'") == 6);
  CHECK(read_text_file(dir.file("err.txt")).find("shard 1 (remote 127.0.0.1:1)") != std::string::npos);
  // Searching the set; with a shard down, exit 6, or --allow-partial.
  REQUIRE(run_cli(dir, "search --db '" + stub + "' --json --limit 3 fatigue") == 0);
  const std::string from_set = read_text_file(dir.file("out.txt"));
  CHECK(from_set.find("\"hits\":[{") != std::string::npos);
  CHECK(from_set.find("\"partial\"") == std::string::npos);
  CHECK(run_cli(dir, "search --db '" + dir.file("down.stub") + "' fatigue") == 6);
  CHECK(read_text_file(dir.file("err.txt")).find("shard 1 (remote 127.0.0.1:1) is unavailable") != std::string::npos);
  CHECK(run_cli(dir, "search --db '" + dir.file("down.stub") + "' --json --allow-partial fatigue") == 0);
  CHECK(read_text_file(dir.file("out.txt")).find("\"partial\":true") != std::string::npos);
}
