/* SPDX-License-Identifier: MIT */
/*
 * t_regress.c - regression tests of the bugs that fuzzing (fuzz/) and
 * the hostile-server tests (tests/hostile.sh) found in json.c, http.c,
 * pem.c, x509.c and jws.c. Each test names what was wrong; the input
 * that found it is also kept as fuzz/corpus/TARGET/regress-*, so
 * `make check-fuzz` replays it through the fuzz target as well.
 */
#include <string.h>

#include "http.h"
#include "json.h"
#include "jws.h"
#include "pem.h"
#include "x509.h"

#include "runner.h"

static jsmntok_t tok[64];

static int
parse(const char *s)
{
	struct json j;

	return json_parse(&j, s, strlen(s), tok, 64);
}

/*
 * json_parse() took what jsmn's strict mode lets through: a member
 * without a value ({"a","b":1} made json_get() read keys as values and
 * values as keys), missing or extra separators, keys inside arrays, and
 * malformed primitives. fuzz/corpus/json/regress-member-without-value.
 */
static int
test_json_not_json(void)
{
	static const char *const bad[] = {
		"{\"a\",\"b\":1}", "[\"a\":1]", "[1 2]", "{\"a\":1,}", "[1,]",
		",{}", ":{}", "{\"a\"::1}", "{\"a\":1 \"b\":2}", "[tru]",
		"{\"a\":01}", "[--1]", "{\"a\":\"b\":\"c\"}", "[,1]",
		"{,\"a\":1}", "[\"a\" \"b\"]", "{\"a\":[1,,2]}", "[{}{}]",
		"[1.]", "[.5]", "[1e]", "[-]", "[+1]", "[nulll]", "[True]",
		"{\"status\":\"valid\" \"status\":\"invalid\"}"
	};
	static const char *const good[] = {
		"{}", "[]", " {\"a\" : 1 ,\r\n\"b\"\t:\t[ 1 , 2 ] }\n",
		"[0,-0,1.5,-2.5e+3,1E9,1e-9,true,false,null,\"x\",{},[]]",
		"{\"a\":{\"b\":[{\"c\":\"d\"}]},\"e\":\"\\u0041\"}", "\"s\""
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]) == 0) {
			fprintf(stderr, "  accepted: %s\n", bad[i]);
			CHECK(0);
		}
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (parse(good[i]) != 0) {
			fprintf(stderr, "  refused: %s\n", good[i]);
			CHECK(0);
		}
	}
	return 0;
}

int
main(void)
{
	RUN(test_json_not_json);
	return runner_done();
}
