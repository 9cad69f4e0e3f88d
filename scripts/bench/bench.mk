# SPDX-License-Identifier: GPL-2.0
#
# The benchmark's static guest programs (tools/bench/*.c), one program per
# file, into build/bench/guest/.  Run by the top-level Makefile (make bench)
# after `make`, so the uapi headers are in build/usr/include.

CC      := gcc
BB      := $(B)/bench/guest
CFLAGS  := -O2 -g -Wall -Wextra -static -pthread -isystem $(USR)/include
PROGS   := $(patsubst $(TOP)/tools/bench/%.c,$(BB)/%,$(wildcard $(TOP)/tools/bench/*.c))

.DELETE_ON_ERROR:
all: $(PROGS)

$(BB)/%: $(TOP)/tools/bench/%.c
	@mkdir -p $(@D)
	@echo "  CC      $(@:$(TOP)/%=%)"
	@$(CC) $(CFLAGS) -o $@ $<
