# fuzz/local.mk: libFuzzer harnesses, built only with --enable-fuzzing
# (CC=clang).  configure puts -fsanitize=fuzzer-no-link,address,undefined in
# every object through AM_CFLAGS; only these programs link libFuzzer's main.
# fuzz/run builds and runs them all; fuzz/README says what each covers.
if ENABLE_FUZZING
FUZZ_HARNESSES = \
	fuzz/fuzz-job \
	fuzz/fuzz-conf \
	fuzz/fuzz-url \
	fuzz/fuzz-addr \
	fuzz/fuzz-query \
	fuzz/fuzz-request \
	fuzz/fuzz-imghdr \
	fuzz/fuzz-image \
	fuzz/fuzz-path \
	fuzz/fuzz-record \
	fuzz/fuzz-sentinel
noinst_PROGRAMS = $(FUZZ_HARNESSES)

fuzz_fuzz_job_SOURCES = fuzz/fuzz-job.c
fuzz_fuzz_job_LDADD = $(THUMBQ_LIBS)
fuzz_fuzz_job_LDFLAGS = $(FUZZ_LDFLAGS)

fuzz_fuzz_conf_SOURCES = fuzz/fuzz-conf.c
fuzz_fuzz_conf_LDADD = $(THUMBQ_LIBS)
fuzz_fuzz_conf_LDFLAGS = $(FUZZ_LDFLAGS)

fuzz_fuzz_url_SOURCES = fuzz/fuzz-url.c
fuzz_fuzz_url_LDADD = $(THUMBQ_LIBS)
fuzz_fuzz_url_LDFLAGS = $(FUZZ_LDFLAGS)

fuzz_fuzz_addr_SOURCES = fuzz/fuzz-addr.c
fuzz_fuzz_addr_LDADD = $(THUMBQ_LIBS)
fuzz_fuzz_addr_LDFLAGS = $(FUZZ_LDFLAGS)

# The query parser lives in thumbq.fcgi's sources, not in libthumbq.
fuzz_fuzz_query_SOURCES = fuzz/fuzz-query.c cgi-bin/request.c
fuzz_fuzz_query_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/cgi-bin
fuzz_fuzz_query_LDADD = $(THUMBQ_LIBS) $(FCGI_LIBS)
fuzz_fuzz_query_LDFLAGS = $(FUZZ_LDFLAGS)

# All of thumbq.fcgi, with its main renamed so that libFuzzer's is the one
# (see the harness's comment).
fuzz_fuzz_request_SOURCES = fuzz/fuzz-request.c $(cgi_bin_thumbq_fcgi_SOURCES)
fuzz_fuzz_request_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/cgi-bin \
	-Dmain=thumbq_fcgi_main
fuzz_fuzz_request_CFLAGS = $(AM_CFLAGS) -Wno-missing-prototypes
fuzz_fuzz_request_LDADD = $(THUMBQ_LIBS) $(FCGI_LIBS)
fuzz_fuzz_request_LDFLAGS = $(FUZZ_LDFLAGS)

fuzz_fuzz_imghdr_SOURCES = fuzz/fuzz-imghdr.c
fuzz_fuzz_imghdr_LDADD = $(THUMBQ_LIBS)
fuzz_fuzz_imghdr_LDFLAGS = $(FUZZ_LDFLAGS)

fuzz_fuzz_image_SOURCES = fuzz/fuzz-image.c
fuzz_fuzz_image_LDADD = $(THUMBQ_LIBS)
fuzz_fuzz_image_LDFLAGS = $(FUZZ_LDFLAGS)

fuzz_fuzz_path_SOURCES = fuzz/fuzz-path.c
fuzz_fuzz_path_LDADD = $(THUMBQ_LIBS)
fuzz_fuzz_path_LDFLAGS = $(FUZZ_LDFLAGS)

fuzz_fuzz_record_SOURCES = fuzz/fuzz-record.c
fuzz_fuzz_record_LDADD = $(THUMBQ_LIBS)
fuzz_fuzz_record_LDFLAGS = $(FUZZ_LDFLAGS)

fuzz_fuzz_sentinel_SOURCES = fuzz/fuzz-sentinel.c
fuzz_fuzz_sentinel_LDADD = $(THUMBQ_LIBS)
fuzz_fuzz_sentinel_LDFLAGS = $(FUZZ_LDFLAGS)
endif

# Shipped whether or not this build fuzzes.
EXTRA_DIST += fuzz/fuzz.h fuzz/README fuzz/run fuzz/corpus fuzz/dict \
	fuzz/fuzz-job.c fuzz/fuzz-conf.c fuzz/fuzz-url.c fuzz/fuzz-addr.c \
	fuzz/fuzz-query.c fuzz/fuzz-request.c fuzz/fuzz-imghdr.c fuzz/fuzz-image.c \
	fuzz/fuzz-path.c fuzz/fuzz-record.c fuzz/fuzz-sentinel.c
