/* config.h - the configuration file every program reads: one INI-like file
 * (/etc/selfheal/selfheal.conf, or --config FILE, or $SELFHEAL_CONFIG) with
 * a section per program ([fly-tail], [crashgrep], [diagnose], [remediate])
 * and a [global] section all of them read. Keys are the programs' long
 * option names; a section becomes argv words ("--app=shop") that the
 * program's getopt loop parses before its own command line, so a flag
 * overrides the file, and a file value whose environment variable is set
 * is left out, so the environment overrides the file too. Secrets are
 * refused: they come from the environment or from `*-file` options.
 * docs/config.md is the reference for the format and the precedence.
 *
 * Ownership: a struct cfg owns every string in it (cfg_release frees them);
 * struct cfg_words owns its words (cfg_words_release); the argv that
 * cfg_argv makes lives until exit (cfg_argv_release frees it early). */
#ifndef SH_CONFIG_H
#define SH_CONFIG_H

#include <getopt.h>
#include <stddef.h>

#include "util.h"

#ifndef SELFHEAL_CONFIG_PATH
#define SELFHEAL_CONFIG_PATH "/etc/selfheal/selfheal.conf"
#endif

#define CFG_MAXLINE 4096        /* bytes per line, without the newline */
#define CFG_MAXSIZE (1u << 20)  /* bytes per file */

/* One `key = value` line. A bare `key` has the value "" and bare set: a
 * switch turned on, or an option whose argument is optional given none. */
struct cfg_ent {
	char *section, *key, *value;
	int line, bare;
};

struct cfg {
	char *path;             /* as given; used in messages */
	struct cfg_ent *e;
	int n;
};

/* Argument words made from a section, in the order getopt must see them. */
struct cfg_words {
	char **v;
	int n;
};

enum cfg_flags {
	/* keys of the program's section that its option table lacks are
	 * skipped instead of refused (a subcommand with fewer options) */
	CFG_SKIP_UNKNOWN = 1 << 0,
};

void cfg_init(struct cfg *c);
void cfg_release(struct cfg *c);
void cfg_words_release(struct cfg_words *w);

/* cfg_parse parses text[0..len) as the file `path` (used in messages) and
 * appends its entries to c. It checks the syntax, the section names and
 * the secrets rules (secret-like keys, passwords in URLs, token-like
 * values). Returns 0, or -1 with "path:line: problem" in err (the entries
 * of lines before the bad one stay in c). */
int cfg_parse(struct cfg *c, const char *path, const char *text, size_t len,
    struct sbuf *err);

/* cfg_load reads and parses the file at path. When it does not exist and
 * must_exist is 0, it returns 0 and c stays empty; otherwise it returns 1
 * when loaded, or -1 with a message in err and an exit code in *code:
 * SH_EX_NOINPUT when it cannot be read, SH_EX_CONFIG when it is bad (a
 * syntax error, a secret, a file anybody may write to). */
int cfg_load(struct cfg *c, const char *path, int must_exist,
    struct sbuf *err, int *code);

/* cfg_args turns the [global] entries, then those of [section], into
 * getopt words for a program whose long options are opts (the table it
 * gives getopt_long): "--key=value" for an option with an argument, one
 * word per line so repeated keys repeat the option; "--key" for a switch
 * set to true/yes/on/1, nothing for false/no/off/0. [global] keys the
 * program lacks are skipped; its own section's are an error unless
 * CFG_SKIP_UNKNOWN. An entry whose environment variable is set and not
 * empty is left out (the table in config.c; docs/config.md). `*-file`
 * values naming a file that every user may read add a warning line to
 * warn. Returns 0 (words in *out, which the caller releases), or -1 with
 * "path:line: problem" in err. */
int cfg_args(const struct cfg *c, const char *section,
    const struct option *opts, unsigned flags, struct cfg_words *out,
    struct sbuf *warn, struct sbuf *err);

/* cfg_take_config removes every "--config FILE" and "--config=FILE" from
 * argv[1..*argc) (up to a "--"), updating *argc and keeping argv NULL-
 * terminated, and sets *path to the last FILE (untouched when there is
 * none). optstring and opts are getopt_long's, so an option's argument
 * that happens to read "--config" is skipped like getopt would. A final
 * "--config" without FILE stays for getopt to refuse. Returns how many
 * --config options it found. */
int cfg_take_config(int *argc, char **argv, const char *optstring,
    const struct option *opts, const char **path);

/* cfg_is_secret_key says whether a key is named like a secret ("token",
 * "llm-key", "password"...; a "*-file" key is not). */
int cfg_is_secret_key(const char *key);

/* cfg_argv is the one call a program makes, after sh_init and before its
 * getopt loop: it takes --config out of the command line, loads that file
 * (else $SELFHEAL_CONFIG, else SELFHEAL_CONFIG_PATH if it exists) and
 * replaces *argc and *argv with argv[0], the words of [global] and [section],
 * then the rest of the command line. Warnings go to stderr; an error ends
 * the program: 66 when the file cannot be read, 78 when it is bad, with
 * "prog: path:line: problem". Like xmalloc, it exits instead of returning
 * an error, because every caller would die the same way. */
void cfg_argv(int *argc, char ***argv, const char *section,
    const char *optstring, const struct option *opts);
void cfg_argv_flags(int *argc, char ***argv, const char *section,
    const char *optstring, const struct option *opts, unsigned flags);

/* cfg_argv_release frees what cfg_argv allocated; the argv it returned
 * (and every optarg pointing into it) is invalid afterwards. */
void cfg_argv_release(void);

#endif
