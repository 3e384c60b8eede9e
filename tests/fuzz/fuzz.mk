# SPDX-License-Identifier: Apache-2.0
# libFuzzer harnesses, one per parser of outside input. GNU make, run by
# "make fuzz" from Makefile.am (automake would reject the pattern rules):
#
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_RUNS=N] [FUZZ_TARGETS="a b"]
#
# Each harness first runs every input of its seed corpus
# (corpus/NAME/) and of the crashes once found (crashes/NAME/), then
# fuzzes for FUZZ_SECONDS (or FUZZ_RUNS executions). Any finding stops
# it with a non-zero status and leaves the input in
# $(top_builddir)/tests/fuzz-build/out/. The list of harnesses,
# FUZZ_TARGETS, is in Makefile.am.

FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
FUZZ_CC ?= clang
# 2 s per input: far above what a sane parser takes even under ASan
FUZZ_TIMEOUT ?= 2
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer $(SAN) \
	-I$(top_builddir) -I$(top_srcdir)/src -I$(top_srcdir)/src/tools \
	-I$(top_srcdir)/tests/fuzz $(DEP_CFLAGS) \
	-DABS_TOP_BUILDDIR='"$(top_builddir)"' \
	-DABS_TOP_SRCDIR='"$(top_srcdir)"' -DPROGRAMS_DIR='"/nonexistent"'

# The library's sources, instrumented, in an archive: each harness links
# only the objects it needs.
B = $(top_builddir)/tests/fuzz-build
LIB_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(filter %.c,$(LIB_SRCS)))
HARNESSES = $(addprefix $(B)/bin/,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(B)/work/$$t $(B)/out; \
		seeds=$(top_srcdir)/tests/fuzz/corpus/$$t; \
		crashes=$(top_srcdir)/tests/fuzz/crashes/$$t; \
		[ -d $$crashes ] || crashes=; \
		if [ -n "$(FUZZ_RUNS)" ]; then bound=-runs=$(FUZZ_RUNS); \
		else bound=-max_total_time=$(FUZZ_SECONDS); fi; \
		echo "fuzz: $$t ($$bound)"; \
		$(B)/bin/$$t $$bound -timeout=$(FUZZ_TIMEOUT) \
			-print_final_stats=1 \
			-artifact_prefix=$(B)/out/$$t- \
			$(B)/work/$$t $$seeds $$crashes \
			> $(B)/out/$$t.log 2>&1 || { \
			tail -40 $(B)/out/$$t.log; \
			echo "fuzz: $$t: FINDING (log: $(B)/out/$$t.log)"; \
			exit 1; }; \
		grep -E "^stat::number_of_executed_units" \
			$(B)/out/$$t.log | sed "s/^/fuzz: $$t: /"; \
	done

fuzz-build: $(HARNESSES)

$(B)/obj/%.o: $(top_srcdir)/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(B)/libfuzzlib.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/bin/%: $(top_srcdir)/tests/fuzz/%.c $(top_srcdir)/tests/fuzz/fuzz.h \
		$(B)/libfuzzlib.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP $< \
		$(B)/libfuzzlib.a $(DEP_LIBS) -o $@

# headers: what each object and harness included, as clang saw it
-include $(LIB_OBJS:.o=.d) $(HARNESSES:=.d)
