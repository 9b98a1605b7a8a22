// SPDX-License-Identifier: GPL-2.0
/* exe and cmdline: read from a /proc-like tree, rendered, read back from a record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "jsonl_reader.h"
#include "record_reader.h"
#include "render.h"

static char root[] = "/tmp/oomtrace-cmdline.XXXXXX";

static void make_proc(const char *pid, const char *argv, size_t len, const char *exe)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/cmdline", root, pid);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(argv, 1, len, f);
	fclose(f);
	if (exe) {
		snprintf(path, sizeof(path), "%s/%s/exe", root, pid);
		assert_int_equal(symlink(exe, path), 0);
	}
}

static char *render(const struct oom_event *ev, bool json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (json)
		render_event_json(f, ev);
	else
		render_event_text(f, ev);
	fclose(f);
	return out;
}

static void test_fill_render_read_back(void **state)
{
	static const char argv[] = "python3\0-m\0worker\0--queue=a b\0line1\nline2\0";
	struct oom_event *ev = oom_event__new(), *back = oom_event__new();
	struct record_strings rs = {};
	struct jr_doc d;
	char *json, *text, *again;
	char big[OOM_CMDLINE_MAX + 100];

	(void)state;
	assert_non_null(mkdtemp(root));
	make_proc("42", argv, sizeof(argv) - 1, "/usr/bin/python3.11");
	/* the trigger's line is longer than kept, and has no exe to see */
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	make_proc("43", big, sizeof(big), NULL);

	ev->has = EV_HAS_VICTIM | EV_HAS_TRIGGER;
	ev->constraint = OOM_CONSTRAINT_NONE;
	ev->victim.has = TASK_HAS_PID | TASK_HAS_COMM;
	ev->victim.pid = 42;
	snprintf(ev->victim.comm, sizeof(ev->victim.comm), "python3");
	ev->trigger.has = TASK_HAS_PID | TASK_HAS_COMM;
	ev->trigger.pid = 43;
	snprintf(ev->trigger.comm, sizeof(ev->trigger.comm), "x");
	cmdline_fill(ev, -1, root);
	assert_true(ev->has & EV_HAS_VICTIM_CMDLINE && ev->has & EV_HAS_VICTIM_EXE);
	assert_true(ev->has & EV_HAS_TRIGGER_CMDLINE);
	assert_false(ev->has & EV_HAS_TRIGGER_EXE);
	assert_string_equal(ev->missing, "trigger_exe");
	assert_true(ev->trigger_cmd.truncated);

	json = render(ev, true);
	assert_non_null(strstr(json, "\"exe\":\"/usr/bin/python3.11\",\"cmdline\":[\"python3\",\"-m\","
				     "\"worker\",\"--queue=a b\",\"line1\\nline2\"]"));
	assert_non_null(strstr(json, "\"cmdline_truncated\":true"));
	assert_non_null(strstr(json, "\"missing\":\"trigger_exe\""));
	text = render(ev, false);
	assert_non_null(strstr(text, "command python3 -m worker '--queue=a b' line1\\nline2  "
				     "(exe /usr/bin/python3.11)\n"));
	assert_non_null(strstr(text, "xxx ...\n"));

	assert_int_equal(jr_doc__init(&d, 4096), 0);
	assert_int_equal(jr_parse(&d, json, strlen(json) - 1), 0);
	assert_int_equal(record_decode_event(&d, back, &rs), 0);
	again = render(back, true);
	assert_string_equal(again, json);
	/* a cmdline_truncated without a cmdline, an empty cmdline: not what the writer writes */
	{
		static const char *bad[] = {
			"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victim\":{\"pid\":1,\"cmdline_truncated\":true},\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0}",
			"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victim\":{\"pid\":1,\"cmdline\":[]},\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0}",
		};

		static const char good[] = "{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victim\":{\"pid\":1,\"cmdline\":[\"\"]},\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0}";

		/* the same with a good cmdline (one empty argument) reads */
		assert_int_equal(jr_parse(&d, good, strlen(good)), 0);
		assert_int_equal(record_decode_event(&d, back, &rs), 0);
		assert_int_equal(back->victim_cmd.len, 1);
		for (size_t i = 0; i < 2; i++) {
			assert_int_equal(jr_parse(&d, bad[i], strlen(bad[i])), 0);
			assert_int_equal(record_decode_event(&d, back, &rs), -EINVAL);
		}
	}
	free(json);
	free(text);
	free(again);
	jr_doc__free(&d);
	oom_event__free(ev);
	oom_event__free(back);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_render_read_back),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
