# SPDX-License-Identifier: GPL-2.0
#
# Static userspace of the guest, run by the top-level Makefile as a sub-make
# once build/linux is prepared and the uapi headers are installed in
# build/usr/include (so its wildcards see the overlaid tree).  Environment:
# TOP, B, KSRC, USR.
#
# Conventions (extend here when the tools grow):
#  - tools/lib/checkpoint/*.c        -> build/tools/libcheckpoint.a
#  - tools/mktree/checkpoint.c       -> build/tools/checkpoint
#    tools/mktree/restart.c (or mktree.c) -> build/tools/restart, and
#                                         build/tools/mktree (hard link)
#    tools/mktree/ckptinfo.c         -> build/tools/ckptinfo
#    every other tools/mktree/*.c is linked into all three programs.
#  - tools/testing/selftests/checkpoint/ is built with its own (kselftest
#    lib.mk) Makefile into build/selftests.
# Everything is linked statically and compiled with -isystem build/usr/include
# so that it sees the project's uapi headers.

CC       := gcc
TS       := $(KSRC)/tools
TB       := $(B)/tools
UCFLAGS  := -O2 -g -Wall -static -isystem $(USR)/include
TOOL_CFLAGS := $(UCFLAGS) -I$(TS)/lib/checkpoint -I$(TS)/lib

.PHONY: all selftests
.DELETE_ON_ERROR:

all: $(B)/guest/init $(B)/guest/counter $(B)/gen_init_cpio

# --- guest init, the demo's counter and the cpio generator -----------------

$(B)/guest/%: $(TOP)/tools/guest/%.c
	@mkdir -p $(@D)
	@echo "  CC      $(@:$(TOP)/%=%)"
	@$(CC) -O2 -Wall -Wextra -static -o $@ $<

$(B)/gen_init_cpio: $(KSRC)/usr/gen_init_cpio.c
	@echo "  HOSTCC  $(@:$(TOP)/%=%)"
	@$(CC) -O2 -o $@ $<

# --- libcheckpoint ------------------------------------------------------------

LIB_SRCS := $(wildcard $(TS)/lib/checkpoint/*.c)
LIB_OBJS := $(LIB_SRCS:$(TS)/lib/checkpoint/%.c=$(TB)/lib/%.o)
LIBCKPT  := $(if $(LIB_SRCS),$(TB)/libcheckpoint.a)

$(TB)/lib/%.o: $(TS)/lib/checkpoint/%.c
	@mkdir -p $(@D)
	@echo "  CC      $(@:$(TOP)/%=%)"
	@$(CC) $(TOOL_CFLAGS) -MD -MP -c -o $@ $<

$(TB)/libcheckpoint.a: $(LIB_OBJS)
	@echo "  AR      $(@:$(TOP)/%=%)"
	@rm -f $@ && ar rcs $@ $^

# --- checkpoint, restart (mktree), ckptinfo ------------------------------------

MK          := $(TS)/mktree
MK_SRCS     := $(wildcard $(MK)/*.c)
MAIN_checkpoint := $(wildcard $(MK)/checkpoint.c)
MAIN_restart    := $(firstword $(wildcard $(MK)/restart.c $(MK)/mktree.c))
MAIN_ckptinfo   := $(wildcard $(MK)/ckptinfo.c)
MK_COMMON   := $(filter-out $(MK)/checkpoint.c $(MK)/restart.c $(MK)/mktree.c \
			    $(MK)/ckptinfo.c,$(MK_SRCS))
mkobj        = $(patsubst $(MK)/%.c,$(TB)/mktree.o/%.o,$(1))
PROGS       := $(foreach p,checkpoint restart ckptinfo,$(if $(MAIN_$(p)),$(TB)/$(p)))

$(TB)/mktree.o/%.o: $(MK)/%.c
	@mkdir -p $(@D)
	@echo "  CC      $(@:$(TOP)/%=%)"
	@$(CC) $(TOOL_CFLAGS) -MD -MP -c -o $@ $<

define prog_rule
$(TB)/$(1): $(call mkobj,$(MAIN_$(1)) $(MK_COMMON)) $(LIBCKPT)
	@echo "  LD      $$(@:$(TOP)/%=%)"
	@$(CC) $(TOOL_CFLAGS) -o $$@ $$^
endef
$(foreach p,checkpoint restart ckptinfo,$(if $(MAIN_$(p)),$(eval $(call prog_rule,$(p)))))

$(TB)/mktree: $(TB)/restart
	@ln -f $< $@

all: $(LIBCKPT) $(PROGS) $(if $(MAIN_restart),$(TB)/mktree)

# Programs whose sources left the tree must not stay in the guest image.
STALE := $(foreach p,checkpoint restart ckptinfo,$(if $(MAIN_$(p)),,$(TB)/$(p))) \
	 $(if $(MAIN_restart),,$(TB)/mktree) $(if $(LIB_SRCS),,$(TB)/libcheckpoint.a)
all: prune
.PHONY: prune
prune:
	@rm -f $(STALE)

-include $(wildcard $(TB)/lib/*.d $(TB)/mktree.o/*.d)

# --- selftests ----------------------------------------------------------------

ST := $(TS)/testing/selftests/checkpoint

all: selftests
# When the list of files in the test directory changes, start from an empty
# build/selftests so that no test whose source is gone stays installed.
ST_LIST := $(sort $(notdir $(wildcard $(ST)/*)))

selftests: $(LIBCKPT)
	@if [ "$$(cat $(B)/selftests/.ckpt-sources 2>/dev/null)" != "$(ST_LIST)" ]; then \
		rm -rf $(B)/selftests; mkdir -p $(B)/selftests; \
		echo "$(ST_LIST)" > $(B)/selftests/.ckpt-sources; \
	fi
ifneq ($(wildcard $(ST)/Makefile),)
	@CFLAGS="$(UCFLAGS)" LDFLAGS="-static" \
	 $(MAKE) -s --no-print-directory -C $(ST) OUTPUT=$(B)/selftests \
		KHDR_INCLUDES="-isystem $(USR)/include" \
		LIBCHECKPOINT="$(LIBCKPT)" LIBCHECKPOINT_CFLAGS="-I$(TS)/lib/checkpoint"
endif
