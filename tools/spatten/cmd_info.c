/* cmd_info.c - `spatten info FILE.spt`: header, workload, shapes summary, checksum status. */
#include "cmds.h"
#include "trace/trace.h"

#include <getopt.h>
#include <stdio.h>

int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    int o;
    optind = 1;
    unsigned char seen[256] = { 0 };
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_seen("info", opts, o, seen)) return 1;
        if (o == 'h') {
            printf("usage: spatten info FILE.spt\n"
                   "  Validates a trace (sizes, offsets, counts, dtypes, checksum) and prints its\n"
                   "  header, workload and a per-layer shape summary.\n");
            return 0;
        }
        return cli_bad_option("info", argv);
    }
    if (optind != argc - 1) return cli_usage_error("info: expected one FILE.spt");
    if (cli_check_path("info", "FILE.spt path", argv[optind], 0)) return 1;
    sim_err err = { 0 };
    spt_trace *t = NULL;
    cli_note_input(argv[optind]);
    int rc = spt_read(argv[optind], &t, &err);
    if (rc) return cli_fail(&err);
    const spt_policy *p = &t->policy;
    printf("file:      %s\n", argv[optind]);
    printf("format:    spatten-trace version 2, checksum fnv1a64:%016llx OK\n",
           (unsigned long long)t->checksum);
    printf("workload:  %s (model %s, %s)\n", t->workload, t->model, t->causal ? "causal" : "bidirectional");
    printf("shape:     %u layers x %u heads x d_head %u; N %u prompt tokens, T %u generated; seed %llu\n",
           t->layers, t->heads, t->d_head, t->n_prompt, t->n_gen, (unsigned long long)t->seed);
    printf("formats:   Q/K/V %u bits (%u fraction), K LSB plane %u bits, probabilities %u fraction bits\n",
           t->fmt.bits, t->fmt.frac, t->fmt.k_lsb_bits, t->fmt.prob_bits);
    printf("policy:    %s: token_prune %s, head_prune %s, local_v %s (v_keep %g), progressive %s (thr %g),"
           " static_mask %s (block %u), static_heads %s\n",
           p->name, p->token_prune ? "on" : "off", p->head_prune ? "on" : "off",
           p->local_v ? "on" : "off", p->v_keep, p->progressive ? "on" : "off", p->pq_threshold,
           p->static_mask ? "on" : "off", p->mask_block, p->static_heads ? "on" : "off");
    printf("passes:    %u\n", t->n_pass);
    printf("%5s %10s %10s %10s %10s %10s\n", "layer", "tok(s0)", "heads(s0)", "tok(last)",
           "heads(last)", "lsb_rows");
    for (uint32_t l = 0; l < t->layers; l++) {
        const spt_pass *a = &t->pass[l], *b = &t->pass[t->n_pass - t->layers + l];
        uint64_t lsb = 0;
        for (uint32_t s = 0; s <= t->n_gen && p->progressive; s++) {
            const spt_pass *x = &t->pass[(size_t)s * t->layers + l];
            for (size_t i = 0; i < (size_t)x->n_head * x->n_q; i++) lsb += x->lsb_refetch[i];
        }
        printf("%5u %10u %10u %10u %10u %10llu\n", l, a->n_tok, a->n_head, b->n_tok, b->n_head,
               (unsigned long long)lsb);
    }
    spt_free(t);
    return 0;
}
