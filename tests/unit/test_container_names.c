// SPDX-License-Identifier: GPL-2.0
/* Container names: the kubelet's log links, docker's config, podman's containers.json. */
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

#include "container_names.h"
#include "exec_hook.h"
#include "jsonl_reader.h"
#include "record_reader.h"
#include "render.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void test_k8s_link(void **state)
{
	struct oom_names n;

	(void)state;
	assert_int_equal(k8s_log_link_names("cart-7d9_shop_app-" ID ".log", ID, &n), 0);
	assert_string_equal(n.pod, "cart-7d9");
	assert_string_equal(n.ns, "shop");
	assert_string_equal(n.container, "app");
	assert_string_equal(n.container_id, ID);
	/* another container's link, or not a link of the kubelet's form */
	assert_int_equal(k8s_log_link_names("cart-7d9_shop_app-" ID2 ".log", ID, &n), -ENOENT);
	assert_int_equal(k8s_log_link_names("x-" ID ".log.1", ID, &n), -ENOENT);
	assert_int_equal(k8s_log_link_names(ID ".log", ID, &n), -ENOENT);
	assert_int_equal(k8s_log_link_names("nounderscore-" ID ".log", ID, &n), -EINVAL);
	assert_int_equal(k8s_log_link_names("pod_ns-" ID ".log", ID, &n), -EINVAL);
	assert_int_equal(k8s_log_link_names("_ns_c-" ID ".log", ID, &n), -EINVAL);
	/* a container name with '_' is not allowed by Kubernetes, but the split is still the first two */
	assert_int_equal(k8s_log_link_names("p_n_c_d-" ID ".log", ID, &n), 0);
	assert_string_equal(n.container, "c_d");
}

static void test_docker(void **state)
{
	static const char plain[] = "{\"ID\":\"" ID "\",\"Name\":\"/web-1\",\"Config\":{\"Labels\":{}}}";
	static const char kube[] = "{\"Name\":\"/k8s_app_cart\",\"Config\":{\"Labels\":{"
		"\"io.kubernetes.pod.namespace\":\"shop\",\"io.kubernetes.pod.name\":\"cart-7d9\","
		"\"io.kubernetes.container.name\":\"app\"}}}";
	struct oom_names n;

	(void)state;
	assert_int_equal(docker_config_names(plain, strlen(plain), &n), 0);
	assert_string_equal(n.container, "web-1");
	assert_string_equal(n.pod, "");
	assert_int_equal(docker_config_names(kube, strlen(kube), &n), 0);
	assert_string_equal(n.container, "app");
	assert_string_equal(n.pod, "cart-7d9");
	assert_string_equal(n.ns, "shop");
	assert_int_equal(docker_config_names("{}", 2, &n), -ENOENT);
	assert_int_equal(docker_config_names("{\"Name\":", 8, &n), -EINVAL);
	assert_int_equal(docker_config_names("[]", 2, &n), -EINVAL);
}

static void test_podman(void **state)
{
	static const char js[] = "[{\"id\":\"" ID2 "\",\"names\":[\"other\"]},"
		"{\"id\":\"" ID "\",\"names\":[\"db\",\"alias\"],\"metadata\":\"{}\"}]";
	struct oom_names n;

	(void)state;
	assert_int_equal(podman_containers_names(js, strlen(js), ID, &n), 0);
	assert_string_equal(n.container, "db");
	assert_int_equal(podman_containers_names(js, strlen(js), ID2, &n), 0);
	assert_string_equal(n.container, "other");
	assert_int_equal(podman_containers_names(js, strlen(js), "ab", &n), -ENOENT);
	assert_int_equal(podman_containers_names("{}", 2, ID, &n), -EINVAL);
}

/* The scanner's edges: structure, escapes, depth, and what it does not take. */
static int dcn(const char *text, struct oom_names *n)
{
	return docker_config_names(text, strlen(text), n);
}

static void test_scan_edges(void **state)
{
	struct oom_names n;
	char deep[200] = "";

	(void)state;
	/* escapes decoded as jsonl_reader decodes them; whitespace anywhere */
	assert_int_equal(dcn(" { \"Name\" : \"\\/web\\u002d1\" } \n", &n), 0);
	assert_string_equal(n.container, "web-1");
	/* one value only, whole, and an object */
	assert_int_equal(dcn("{\"Name\":\"/a\"} x", &n), -EINVAL);
	assert_int_equal(dcn("{\"Name\":\"/a\"}{}", &n), -EINVAL);
	assert_int_equal(dcn("{\"Name\":\"/a\",}", &n), -EINVAL);
	assert_int_equal(dcn("{\"Name\" \"/a\"}", &n), -EINVAL);
	assert_int_equal(dcn("{\"Name\":[\"/a\"}]", &n), -EINVAL);
	assert_int_equal(dcn("{\"Name\":\"/a\\u00zz\"}", &n), -EINVAL);
	assert_int_equal(dcn("\"x\"", &n), -EINVAL);
	/* numbers and literals skipped, the name still found; "Name" elsewhere is not it */
	assert_int_equal(dcn("{\"A\":[1,-2.5e+3,true,null,{\"Name\":\"/no\"}],"
					     "\"Name\":\"/yes\",\"Z\":false}", &n), 0);
	assert_string_equal(n.container, "yes");
	/* Labels that are not an object, or labels elsewhere, name nothing */
	assert_int_equal(dcn("{\"Config\":{\"Labels\":[\"io.kubernetes.pod.name\"]}}", &n), -ENOENT);
	assert_int_equal(dcn("{\"X\":{\"Labels\":{\"io.kubernetes.pod.name\":\"p\"}}}", &n), -ENOENT);
	/* deeper than JR_MAX_DEPTH: refused */
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	assert_int_equal(podman_containers_names(deep, strlen(deep), ID, &n), -EINVAL);
	/* an entry whose names come before its id; the first entry of id decides */
	assert_int_equal(podman_containers_names("[{\"names\":[\"b\"],\"id\":\"" ID "\"},"
						 "{\"id\":\"" ID "\",\"names\":[\"c\"]}]",
						 strlen("[{\"names\":[\"b\"],\"id\":\"" ID "\"},"
							"{\"id\":\"" ID "\",\"names\":[\"c\"]}]"), ID, &n), 0);
	assert_string_equal(n.container, "b");
	/* an id in a nested object is not the entry's */
	assert_int_equal(podman_containers_names("[{\"x\":{\"id\":\"" ID "\"},\"names\":[\"b\"]}]",
						 strlen("[{\"x\":{\"id\":\"" ID "\"},\"names\":[\"b\"]}]"),
						 ID, &n), -ENOENT);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/*
 * Files far larger than the piece they are read in: docker's name after
 * 40 KiB of environment, with strings cut across pieces; podman's entry
 * of ID after 400 others.
 */
static void test_lookup_large_files(void **state)
{
	char dir[] = "/tmp/oomtrace-names-big.XXXXXX", path[1024], docker[256], podman[256];
	struct container_names *cn;
	struct oom_names n;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(docker, sizeof(docker), "%s/docker", dir);
	assert_int_equal(mkdir(docker, 0755), 0);
	snprintf(path, sizeof(path), "%s/containers", docker);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/containers/" ID2, docker);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/containers/" ID2 "/config.v2.json", docker);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"Config\":{\"Env\":[", f);
	for (int i = 0; i < 400; i++)
		fprintf(f, "%s\"VAR%d=%0*d \\\"quoted\\\" \\u00e9\"", i ? "," : "", i, 60 + i % 37, i);
	fputs("],\"Labels\":{\"io.kubernetes.pod.namespace\":\"shop\",\"other\":{\"a\":[1,2]},"
	      "\"io.kubernetes.pod.name\":\"cart-7d9\",\"io.kubernetes.container.name\":\"app\"}},"
	      "\"Name\":\"/k8s_app\"}\n", f);
	fclose(f);
	snprintf(podman, sizeof(podman), "%s/podman", dir);
	assert_int_equal(mkdir(podman, 0755), 0);
	snprintf(path, sizeof(path), "%s/overlay-containers", podman);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/overlay-containers/containers.json", podman);
	f = fopen(path, "w");
	assert_non_null(f);
	fputc('[', f);
	for (int i = 0; i < 400; i++)
		fprintf(f, "{\"id\":\"%064x\",\"names\":[\"n%d\"],\"metadata\":\"{\\\"x\\\":%d}\"},", i + 1,
			i, i);
	fputs("{\"names\":[\"db\",\"alias\"],\"id\":\"" ID "\"}]", f);
	fclose(f);
	cn = container_names__new(NULL, docker, podman);
	assert_non_null(cn);
	assert_int_equal(container_names__lookup(cn, ID2, &n), 0);
	assert_string_equal(n.ns, "shop");
	assert_string_equal(n.pod, "cart-7d9");
	assert_string_equal(n.container, "app");
	assert_int_equal(container_names__lookup(cn, ID, &n), 0);
	assert_string_equal(n.container, "db");
	container_names__free(cn);
	/* cut short: not JSON, no name */
	assert_int_equal(truncate(path, 30000), 0);
	cn = container_names__new(NULL, NULL, podman);
	assert_non_null(cn);
	assert_int_equal(container_names__lookup(cn, ID, &n), -ENOENT);
	container_names__free(cn);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

/* A laid-out node: a kubelet link for ID, a docker container ID2; the event names both. */
static void test_lookup_and_render(void **state)
{
	char dir[] = "/tmp/oomtrace-names.XXXXXX", path[512], *out = NULL;
	struct container_names *cn;
	struct oom_event *ev = oom_event__new();
	struct oom_names n;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/logs", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/logs/cart-7d9_shop_app-" ID ".log", dir);
	assert_int_equal(symlink("/nonexistent", path), 0);
	snprintf(path, sizeof(path), "%s/docker", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/docker/containers", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/docker/containers/" ID2, dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/docker/containers/" ID2 "/config.v2.json", dir);
	write_text(path, "{\"Name\":\"/web \\\"1\\\"\"}");

	snprintf(path, sizeof(path), "%s/logs", dir);
	{
		char docker[512];

		snprintf(docker, sizeof(docker), "%s/docker", dir);
		cn = container_names__new(path, docker, NULL);
	}
	assert_non_null(cn);
	assert_int_equal(container_names__lookup(cn, ID, &n), 0);
	assert_string_equal(n.pod, "cart-7d9");
	assert_int_equal(container_names__lookup(cn, ID2, &n), 0);
	assert_string_equal(n.container, "web \"1\"");
	assert_int_equal(container_names__lookup(cn, "0000000000000000000000000000000000000000000000000000000000000000", &n), -ENOENT);

	ev->has = EV_HAS_VICTIM | EV_HAS_TRIGGER | EV_HAS_MEMCG;
	ev->constraint = OOM_CONSTRAINT_MEMCG;
	snprintf(ev->memcg, sizeof(ev->memcg), "/kubepods/pod1");
	ev->victim.has = TASK_HAS_PID | TASK_HAS_COMM | TASK_HAS_CGROUP;
	ev->victim.pid = 42;
	snprintf(ev->victim.comm, sizeof(ev->victim.comm), "java");
	snprintf(ev->victim.cgroup, sizeof(ev->victim.cgroup), "/kubepods/pod1/cri-containerd-" ID ".scope");
	ev->trigger = ev->victim;
	snprintf(ev->trigger.cgroup, sizeof(ev->trigger.cgroup), "/system.slice/docker-" ID2 ".scope");
	*oom_event__add_victim(ev) = ev->victim;
	container_names__fill(cn, ev);
	assert_int_equal(ev->n_names, 2);

	f = open_memstream(&out, &len);
	render_event_json(f, ev);
	fclose(f);
	assert_non_null(strstr(out, "\"victim\":{\"pid\":42,\"comm\":\"java\",\"cgroup\":\"/kubepods/pod1/cri-containerd-" ID ".scope\",\"unit\":\"cri-containerd-" ID ".scope\",\"container_id\":\"" ID "\",\"namespace\":\"shop\",\"pod\":\"cart-7d9\",\"container\":\"app\"}"));
	assert_non_null(strstr(out, "\"container\":\"web \\\"1\\\"\"}"));

	/* read back: the names come with the event again */
	{
		struct jr_doc d;
		struct oom_event *back = oom_event__new();
		struct record_strings rs = {};
		char *again = NULL;
		size_t alen = 0;

		assert_int_equal(jr_doc__init(&d, 4096), 0);
		assert_int_equal(jr_parse(&d, out, len - 1), 0);
		assert_int_equal(record_decode_event(&d, back, &rs), 0);
		assert_int_equal(back->n_names, 2);
		f = open_memstream(&again, &alen);
		render_event_json(f, back);
		fclose(f);
		assert_string_equal(again, out);
		free(again);
		jr_doc__free(&d);
		oom_event__free(back);
	}
	free(out);

	out = NULL;
	f = open_memstream(&out, &len);
	render_event_text(f, ev);
	fclose(f);
	assert_non_null(strstr(out, "\"java\" pod shop/cart-7d9 container app\n"));
	free(out);

	/* the hook's environment */
	{
		const char *vars[16];
		char buf[4096];
		size_t nv = exec_hook_env(ev, buf, sizeof(buf), vars, 16);
		bool pod = false, ns = false, ctr = false, comm = false;

		for (size_t i = 0; i < nv; i++) {
			pod |= !strcmp(vars[i], "OOMTRACE_POD=cart-7d9");
			ns |= !strcmp(vars[i], "OOMTRACE_NAMESPACE=shop");
			ctr |= !strcmp(vars[i], "OOMTRACE_CONTAINER=app");
			comm |= !strcmp(vars[i], "OOMTRACE_VICTIM_COMM=java");
		}
		assert_true(pod && ns && ctr && comm);
	}

	container_names__free(cn);
	oom_event__free(ev);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_k8s_link),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_scan_edges),
		cmocka_unit_test(test_lookup_large_files),
		cmocka_unit_test(test_lookup_and_render),
	};

	return cmocka_run_group_tests_name("container_names", tests, NULL, NULL);
}
