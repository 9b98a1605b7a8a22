// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the ELF reader behind user-stack symbolization. A traced process
 * runs whatever file it likes, so its executable and libraries are hostile
 * input: headers, section tables, symbol tables, string tables and notes
 * may point anywhere and say anything. The input is written to a file (the
 * reader takes a path) and read as an ELF file; the first 8 bytes, if
 * present, are the file offset to symbolize.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ustack.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char id[20];
	uint64_t off = 0, sym_off;
	char name[128];
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/oomtrace-fuzz-elf-%d", (int)getpid());
	if (size >= 8) {
		memcpy(&off, data, 8);
		data += 8;
		size -= 8;
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (!elf_symbolize(path, off, name, sizeof(name), &sym_off) &&
	    strnlen(name, sizeof(name)) == sizeof(name))
		abort();
	(void)elf_build_id(path, id, sizeof(id));
	return 0;
}
