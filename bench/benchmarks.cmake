# Benchmark targets; included by bench/CMakeLists.txt. See bench/README.md.
#   studysearch-gen        seeded corpus + query-set generator
#   studysearch_baselines  "Xapian used directly" and SQLite FTS5, same data
#   bench_search           query latency per query class: ours vs. the baselines
#   bench_index            indexing throughput and index size: ours vs. the baselines
set(_bench_dir ${CMAKE_CURRENT_LIST_DIR})

if(NOT TARGET PkgConfig::XAPIAN)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(XAPIAN REQUIRED IMPORTED_TARGET xapian-core)
endif()
if(NOT TARGET nlohmann_json::nlohmann_json)
  find_package(nlohmann_json 3 REQUIRED)
endif()
find_package(SQLite3)
find_package(benchmark)

add_executable(studysearch-gen ${_bench_dir}/gen_corpus.cpp ${_bench_dir}/gen_model.cpp)
target_link_libraries(studysearch-gen PRIVATE nlohmann_json::nlohmann_json)
target_compile_definitions(studysearch-gen PRIVATE
  STUDYSEARCH_GEN_DEFAULT_LEARN="${_bench_dir}/../data/eval/med/MED.ALL")

if(NOT SQLite3_FOUND OR NOT benchmark_FOUND)
  message(STATUS "bench: SQLite3 or Google Benchmark missing; only studysearch-gen is built")
  return()
endif()

add_library(studysearch_baselines STATIC ${_bench_dir}/baselines.cpp ${_bench_dir}/bench_common.cpp)
target_include_directories(studysearch_baselines PUBLIC ${_bench_dir})
target_link_libraries(studysearch_baselines PUBLIC benchmark::benchmark
  PRIVATE PkgConfig::XAPIAN SQLite::SQLite3 nlohmann_json::nlohmann_json)

# Our engine is measured when its libraries exist in this build.
set(_bench_ours OFF)
if(TARGET studysearch_query AND TARGET studysearch_indexer)
  set(_bench_ours ON)
endif()

foreach(_name bench_search bench_index)
  add_executable(${_name} ${_bench_dir}/${_name}.cpp)
  target_link_libraries(${_name} PRIVATE studysearch_baselines benchmark::benchmark)
  if(_bench_ours)
    target_link_libraries(${_name} PRIVATE studysearch_query studysearch_indexer)
    target_compile_definitions(${_name} PRIVATE STUDYSEARCH_BENCH_OURS=1)
  endif()
endforeach()

# Issue 17: one index against local and remote shard sets (bench/shards.sh).
add_executable(shard_bench ${_bench_dir}/shard_bench.cpp)
target_link_libraries(shard_bench PRIVATE studysearch_baselines studysearch_query)
