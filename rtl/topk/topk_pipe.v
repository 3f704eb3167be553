// topk_pipe.v - the pipelined top-k engine (TOPK_PIPELINED): the quick-select of topk.v split
// into three stages that work on three different jobs, so that a job occupies the engine for
// its slowest stage instead of the sum of its stages.
// Cycle-exact twin of pipe_clock() in sim/topk.c (docs/arch/topk.md section 8, docs/rtl.md);
// the lockstep harness rtl/harness compares the two on every cycle.
//
//   LOAD   : start handshake into a free input bank (3 banks), then ceil(n/L) key beats
//   SELECT : takes the oldest loaded job; PIVOT, PASS*, DRAIN, DECIDE as in topk.v, the first
//            pass reading the input bank itself (element i = (key i, i)); publishes the
//            threshold to the bank's descriptor
//   EMIT   : takes the oldest selected job; ceil(n/P) rows of the input bank filtered against
//            the threshold into the output FIFO; frees the bank with the last row. A job with
//            k = 0 emits one empty beat carrying `last`, so every job ends with one `last` beat
// Jobs pass the stages in order (each stage keeps its own bank pointer, advancing mod 3), and
// two counters (loaded-not-selected, selected-not-emitted) hand them on; `done` pulses the
// cycle after a job's last beat is taken. All outputs are registered-state functions.
//
// Memories: per lane (bank b = address mod P) an input array of 3 x MAX_N/P keys (one write
// port: LOAD; two read ports: SELECT, EMIT) and the two partition buffers of topk.v (one read,
// two write ports). Requires P >= 2 a power of two, MAX_N a multiple of P, L <= P.
// Deliberately wrong variants for the harness's self-test: TOPK_BROKEN, TOPK_BROKEN_TIE (as in
// topk.v), TOPK_BROKEN_BANKS2 (only two input banks are used), TOPK_BROKEN_FREE (a bank is
// freed when EMIT takes its job instead of after its last row: the next load overwrites keys
// that are still being emitted).
module topk_pipe #(
    parameter integer W          = 32,    // key width
    parameter integer MAX_N      = 2048,  // buffer capacity (>= 2)
    parameter integer P          = 16,    // comparators per cycle = output beat width
    parameter integer L          = 16,    // input lanes per cycle
    parameter integer FIFO_DEPTH = 4      // output FIFO depth in beats
) (
    input  wire                     clk,
    input  wire                     rst,          // synchronous, active high
    input  wire                     start,
    output wire                     start_ready,
    input  wire [$clog2(MAX_N+1)-1:0] n,
    input  wire [$clog2(MAX_N+1)-1:0] k,
    input  wire [31:0]              seed,
    output wire                     done,         // one-cycle pulse per job, in job order
    input  wire                     in_valid,
    output wire                     in_ready,
    input  wire [L*W-1:0]           in_data,
    output wire                     out_valid,
    input  wire                     out_ready,
    output wire                     out_last,
    output wire [$clog2(P+1)-1:0]   out_count,
    output wire [P*$clog2(MAX_N)-1:0] out_idx,
    output wire [P*W-1:0]           out_val,
    output wire [3:0]               dbg_state,    // select stage
    output wire [$clog2(MAX_N+1)-1:0] dbg_m,
    output wire                     dbg_ld,       // load stage busy
    output wire                     dbg_em,       // emit stage busy
    output wire [1:0]               dbg_banks     // input banks held
);
    localparam integer NW = $clog2(MAX_N + 1);
    localparam integer IW = $clog2(MAX_N);
    localparam integer CW = $clog2(P + 1);
    localparam integer EW = W + IW;
    localparam integer XW = NW + 10;
    localparam integer FA = (FIFO_DEPTH > 1) ? $clog2(FIFO_DEPTH) : 1;
    localparam integer FW = $clog2(FIFO_DEPTH + 1);
    localparam integer PB = $clog2(P);
    localparam integer RN = MAX_N / P;
    localparam integer RA = (RN > 1) ? $clog2(RN) : 1;
    localparam integer IA = $clog2(3 * RN);        // input-array address bits
`ifdef TOPK_BROKEN_BANKS2
    localparam [1:0] NBANK = 2'd2;
`else
    localparam [1:0] NBANK = 2'd3;
`endif

    localparam [3:0] S_IDLE = 4'd0, S_PIVOT = 4'd2, S_PASS = 4'd3, S_DRAIN = 4'd4,
                     S_DECIDE = 4'd5;
    localparam [31:0] LFSR_TAPS = 32'h80200003;

    // ---------------- registers ----------------
    // load stage
    reg          ld_state;
    reg [NW-1:0] ld_cnt;
    reg [1:0]    ld_b;
    // job counts
    reg [1:0]    q_ls, q_se, banks;
    reg          done_r;
    // per-bank job descriptors
    reg [NW-1:0] d_n   [0:2];
    reg [NW-1:0] d_k   [0:2];
    reg [31:0]   d_seed[0:2];
    reg [W-1:0]  d_tv  [0:2];
    reg [IW-1:0] d_ti  [0:2];
    // select stage
    reg [3:0]    state;
    reg [1:0]    sel_b;
    reg          from_orig;
    reg [NW-1:0] kk, cnt, lo, m, g, l;
    reg [31:0]   lfsr;
    reg          cur;
    reg [W-1:0]  piv_v;
    reg [IW-1:0] piv_i;
    reg          s1_valid;
    reg [P*EW-1:0] s1_e;
    reg [P-1:0]  s1_gm, s1_lm;
    // emit stage
    reg          em_state;
    reg [NW-1:0] em_cnt;
    reg [1:0]    em_b;
    // output FIFO
    reg [FA-1:0] f_head;
    reg [FW-1:0] f_count;
    reg [CW-1:0] f_cnt  [0:FIFO_DEPTH-1];
    reg          f_last [0:FIFO_DEPTH-1];
    reg [P*IW-1:0] f_idx [0:FIFO_DEPTH-1];
    reg [P*W-1:0]  f_val [0:FIFO_DEPTH-1];

    // ---------------- outputs (Moore) ----------------
    assign start_ready = (ld_state == 1'b0) && (banks < NBANK);
    assign in_ready    = ld_state;
    assign done        = done_r;
    assign out_valid   = (f_count != 0);
    assign out_last    = out_valid & f_last[f_head];
    assign out_count   = out_valid ? f_cnt[f_head] : {CW{1'b0}};
    assign out_idx     = f_idx[f_head];
    assign out_val     = f_val[f_head];
    assign dbg_state   = state;
    assign dbg_m       = m;
    assign dbg_ld      = ld_state;
    assign dbg_em      = em_state;
    assign dbg_banks   = banks;

    // ---------------- combinational ----------------
    function beats;   // a beats b
        input [W-1:0] av; input [IW-1:0] ai; input [W-1:0] bv; input [IW-1:0] bi;
`ifdef TOPK_BROKEN_TIE
        beats = (av > bv) || ((av == bv) && (ai > bi));
`else
        beats = (av > bv) || ((av == bv) && (ai < bi));
`endif
    endfunction
    function [1:0] bnext;
        input [1:0] b;
        bnext = (b == 2'd2) ? 2'd0 : b + 2'd1;
    endfunction
    function [IA-1:0] iaddr;    // input-array row of bank b, row r
        input [1:0] b; input [RA-1:0] r;
        iaddr = b * RN + r;
    endfunction
    function [P*EW-1:0] rotr;       // out lane j = in lane (j + s) mod P
        input [P*EW-1:0] v; input [PB-1:0] sh;
        integer b;
        reg [2*P*EW-1:0] t;
        begin
            rotr = v;
            for (b = 0; b < PB; b = b + 1)
                if (sh[b]) begin
                    t = {rotr, rotr} >> ((1 << b) * EW);
                    rotr = t[P*EW-1:0];
                end
        end
    endfunction
    function [P*EW-1:0] rotl;       // out lane j = in lane (j - s) mod P
        input [P*EW-1:0] v; input [PB-1:0] sh;
        begin
            rotl = rotr(v, {PB{1'b0}} - sh);
        end
    endfunction
    function [P*EW-1:0] rev;        // out lane j = in lane P-1-j
        input [P*EW-1:0] v;
        integer q;
        begin
            for (q = 0; q < P; q = q + 1) rev[q*EW +: EW] = v[(P-1-q)*EW +: EW];
        end
    endfunction

    wire [31:0]    lfsr_nx  = (lfsr >> 1) ^ (lfsr[0] ? LFSR_TAPS : 32'd0);
    wire [16+NW-1:0] r_prod = lfsr_nx[31:16] * m;
    wire [NW-1:0]  r_pos    = r_prod[16+NW-1:16];
    wire [XW-1:0]  row_base = cnt * P;
    wire [NW-1:0]  ld_n     = d_n[ld_b];
    wire [NW-1:0]  sl_n     = d_n[sel_b];
    wire [NW-1:0]  sl_k     = d_k[sel_b];
    wire [NW-1:0]  em_n     = d_n[em_b];
    wire [NW-1:0]  em_k     = d_k[em_b];
`ifdef TOPK_BROKEN_EMBANK
    wire [1:0]     em_rb    = sel_b;
`else
    wire [1:0]     em_rb    = em_b;
`endif

    // ---- select-stage read: the current set's row (PASS) or the pivot (PIVOT, lane 0) ----
    wire [XW-1:0]  rd_start = (state == S_PIVOT) ? (lo + r_pos) : (lo + row_base);
    reg  [P*RA-1:0] rd_addr;
    reg  [P*IW-1:0] rd_aidx;                        // element address of each bank's read
    wire [P*EW-1:0] rd_bank;
    wire [P*W-1:0]  ro_bank;                        // emit: row em_cnt of the input bank
    reg  [P-1:0]    wa_en, wb_en, wi_en;
    reg  [P*RA-1:0] wa_addr, wb_addr, wi_addr;
    reg  [P*EW-1:0] wa_data, wb_data;
    reg  [P*W-1:0]  wi_data;
    wire            ld_fire = ld_state && in_valid;

    genvar gb;
    generate for (gb = 0; gb < P; gb = gb + 1) begin : bank
        reg [EW-1:0] m0 [0:RN-1];
        reg [EW-1:0] m1 [0:RN-1];
        reg [W-1:0]  mi [0:3*RN-1];
        always @(posedge clk) begin
            if (wa_en[gb] && !cur) m1[wa_addr[gb*RA +: RA]] <= wa_data[gb*EW +: EW];
            if (wa_en[gb] &&  cur) m0[wa_addr[gb*RA +: RA]] <= wa_data[gb*EW +: EW];
            if (wb_en[gb] && !cur) m1[wb_addr[gb*RA +: RA]] <= wb_data[gb*EW +: EW];
            if (wb_en[gb] &&  cur) m0[wb_addr[gb*RA +: RA]] <= wb_data[gb*EW +: EW];
            if (wi_en[gb]) mi[iaddr(ld_b, wi_addr[gb*RA +: RA])] <= wi_data[gb*W +: W];
        end
        wire [W-1:0] mi_sel = mi[iaddr(sel_b, rd_addr[gb*RA +: RA])];
        assign rd_bank[gb*EW +: EW] = from_orig ? {rd_aidx[gb*IW +: IW], mi_sel}
                                    : cur ? m1[rd_addr[gb*RA +: RA]] : m0[rd_addr[gb*RA +: RA]];
        assign ro_bank[gb*W +: W] = mi[iaddr(em_rb, em_cnt[RA-1:0])];
    end endgenerate

    reg  [P*EW-1:0] rd_e;
    reg  [P-1:0]    rd_gm, rd_lm, rd_valid;
    reg  [P*EW-1:0] em_e;
    reg  [P-1:0]    em_keep;
    integer i;
    reg [XW-1:0] a;
    reg [W-1:0]  ev;
    reg [IW-1:0] ei;
    integer ia;
    reg [XW-1:0] aa;
    reg [PB:0]   ba;
    always @* begin
        for (ia = 0; ia < P; ia = ia + 1) begin
            ba = (ia - rd_start[PB-1:0]) & (P - 1);
            aa = rd_start + ba;
            rd_addr[ia*RA +: RA] = aa[PB +: RA];
            rd_aidx[ia*IW +: IW] = aa[IW-1:0];
        end
    end
    wire [P*EW-1:0] rd_lanes = rotr(rd_bank, rd_start[PB-1:0]);
    wire [EW-1:0]   piv_rd   = rd_lanes[EW-1:0];
    wire [W-1:0]    thr_v    = d_tv[em_b];
    wire [IW-1:0]   thr_i    = d_ti[em_b];
    wire            em_kz    = (em_k == 0);
    wire            em_all   = (em_k >= em_n);
    wire [XW-1:0]   em_base  = em_cnt * P;
    always @* begin
        for (i = 0; i < P; i = i + 1) begin
            rd_valid[i] = (row_base + i) < m;
            {ei, ev} = rd_lanes[i*EW +: EW];
            if (!rd_valid[i]) begin ev = {W{1'b0}}; ei = {IW{1'b0}}; end
            rd_e[i*EW +: EW] = {ei, ev};
            rd_gm[i] = rd_valid[i] & beats(ev, ei, piv_v, piv_i);
            rd_lm[i] = rd_valid[i] & beats(piv_v, piv_i, ev, ei);

            a = em_base + i;
            if (a < em_n && !em_kz) begin
                ev = ro_bank[i*W +: W];
                em_keep[i] = em_all | ~beats(thr_v, thr_i, ev, a[IW-1:0]);
            end else begin
                ev = {W{1'b0}};
                em_keep[i] = 1'b0;
            end
            em_e[i*EW +: EW] = {a[IW-1:0], ev};
        end
    end

    wire [P*EW-1:0] ze_g, ze_l, ze_e;
    wire [CW-1:0]   ng, nl, ne;
    topk_ze #(.P(P), .EW(EW)) u_ze_g (.data(s1_e), .keep(s1_gm),   .out(ze_g), .count(ng));
    topk_ze #(.P(P), .EW(EW)) u_ze_l (.data(s1_e), .keep(s1_lm),   .out(ze_l), .count(nl));
    topk_ze #(.P(P), .EW(EW)) u_ze_e (.data(em_e), .keep(em_keep), .out(ze_e), .count(ne));

    wire          pop      = out_valid & out_ready;
    wire          pop_last = pop & f_last[f_head];
    wire [XW-1:0] row_end  = row_base + P;
`ifdef TOPK_BROKEN
    wire          pass_last = row_end >  m;
`else
    wire          pass_last = row_end >= m;
`endif
    wire          emit_last = em_kz || (em_base + P >= em_n);
    wire          emit_go   = em_state && (f_count < FIFO_DEPTH);
    wire          push      = emit_go && ((ne != 0) || emit_last);
    wire [FA-1:0] f_tail    = (f_head + f_count) % FIFO_DEPTH;
    wire [XW-1:0] ld_end    = ld_cnt + L;
    wire          sel_take  = (state == S_IDLE) && (q_ls != 0);
    wire          sel_triv  = (sl_k == 0) || (sl_k >= sl_n);
    wire          found     = (state == S_DECIDE) && (kk == g + 1'b1) && !(kk <= g);
    wire          em_take   = !em_state && (q_se != 0);
    wire          ld_take   = !ld_state && start && (banks < NBANK);
    wire          ld_done   = (ld_take && (n == 0)) || (ld_fire && (ld_end >= ld_n));
    wire          se_inc    = (sel_take && sel_triv) || found;
`ifdef TOPK_BROKEN_FREE
    wire          bk_dec    = em_take;
`else
    wire          bk_dec    = emit_go && emit_last;
`endif

    reg [P*IW-1:0] ze_e_idx;
    reg [P*W-1:0]  ze_e_val;
    always @* begin
        for (i = 0; i < P; i = i + 1) begin
            ze_e_val[i*W  +: W]  = ze_e[i*EW      +: W];
            ze_e_idx[i*IW +: IW] = ze_e[i*EW + W  +: IW];
        end
    end

    // write ports: load into the input array (bank b takes lane (b - ld_cnt) mod P of the
    // beat); G survivors from the bottom up and L survivors from the top down of buffer ~cur
    reg  [P*EW-1:0] ld_lanes;
    always @* begin
        ld_lanes = {P*EW{1'b0}};
        for (i = 0; i < L; i = i + 1) ld_lanes[i*EW +: W] = in_data[i*W +: W];
    end
    wire [P*EW-1:0] ld_rot = rotl(ld_lanes, ld_cnt[PB-1:0]);
    wire [P*EW-1:0] g_rot  = rotl(ze_g, g[PB-1:0]);
    wire [NW-1:0]   l_top  = (MAX_N - 1) - l;
    wire [P*EW-1:0] l_rot  = rotr(rev(ze_l), {PB{1'b0}} - 1'b1 - l_top[PB-1:0]);
    reg [XW-1:0] wq;
    reg [PB:0]   wj;
    always @* begin
        for (i = 0; i < P; i = i + 1) begin
            wj = (i - ld_cnt[PB-1:0]) & (P - 1);
            wq = ld_cnt + wj;
            wi_en[i] = ld_fire && (wj < L) && (wq < ld_n);
            wi_addr[i*RA +: RA] = wq[PB +: RA];
            wi_data[i*W +: W] = ld_rot[i*EW +: W];

            wj = (i - g[PB-1:0]) & (P - 1);
            wq = g + wj;
            wa_en[i] = s1_valid && (wj < ng);
            wa_addr[i*RA +: RA] = wq[PB +: RA];
            wa_data[i*EW +: EW] = g_rot[i*EW +: EW];

            wj = (l_top - i) & (P - 1);
            wq = l_top - wj;
            wb_en[i] = s1_valid && (wj < nl);
            wb_addr[i*RA +: RA] = wq[PB +: RA];
            wb_data[i*EW +: EW] = l_rot[i*EW +: EW];
        end
    end

    // ---------------- sequential ----------------
    always @(posedge clk) begin
        if (rst) begin
            ld_state <= 1'b0; ld_cnt <= 0; ld_b <= 2'd0;
            q_ls <= 2'd0; q_se <= 2'd0; banks <= 2'd0; done_r <= 1'b0;
            state <= S_IDLE; sel_b <= 2'd0; from_orig <= 1'b0;
            kk <= 0; cnt <= 0; lo <= 0; m <= 0; g <= 0; l <= 0; lfsr <= 32'd1; cur <= 1'b0;
            piv_v <= 0; piv_i <= 0; s1_valid <= 1'b0;
            em_state <= 1'b0; em_cnt <= 0; em_b <= 2'd0;
            f_head <= 0; f_count <= 0;
        end else begin
            // ---- load stage ----
            if (ld_take) begin
                d_n[ld_b]    <= n;
                d_k[ld_b]    <= (k < n) ? k : n;
                d_seed[ld_b] <= seed;
                ld_cnt <= 0;
                if (n == 0) ld_b <= bnext(ld_b);
                else ld_state <= 1'b1;
            end else if (ld_fire) begin
                if (ld_end >= ld_n) begin
                    ld_state <= 1'b0;
                    ld_b <= bnext(ld_b);
                end else
                    ld_cnt <= ld_end[NW-1:0];
            end

            // ---- select stage ----
            if (s1_valid) begin
                g <= g + ng;
                l <= l + nl;
            end
            s1_valid <= 1'b0;
            case (state)
            S_IDLE: if (sel_take) begin
                if (sel_triv) sel_b <= bnext(sel_b);
                else begin
                    cur <= 1'b0; from_orig <= 1'b1; lo <= 0; m <= sl_n; kk <= sl_k;
                    lfsr <= (d_seed[sel_b] != 32'd0) ? d_seed[sel_b] : 32'd1;
                    state <= S_PIVOT;
                end
            end
            S_PIVOT: begin
                lfsr <= lfsr_nx;
                piv_v <= piv_rd[W-1:0];
                piv_i <= piv_rd[EW-1:W];
                g <= 0; l <= 0; cnt <= 0;
                state <= S_PASS;
            end
            S_PASS: begin
                s1_valid <= 1'b1;
                s1_e  <= rd_e;
                s1_gm <= rd_gm;
                s1_lm <= rd_lm;
                if (pass_last) state <= S_DRAIN;
                else cnt <= cnt + 1'b1;
            end
            S_DRAIN: state <= S_DECIDE;
            S_DECIDE: begin
                if (kk <= g) begin
                    cur <= ~cur; lo <= 0; m <= g; from_orig <= 1'b0; state <= S_PIVOT;
                end else if (kk == g + 1'b1) begin
                    d_tv[sel_b] <= piv_v; d_ti[sel_b] <= piv_i;
                    sel_b <= bnext(sel_b);
                    state <= S_IDLE;
                end else begin
                    cur <= ~cur; lo <= MAX_N - l; m <= l; kk <= kk - g - 1'b1;
                    from_orig <= 1'b0; state <= S_PIVOT;
                end
            end
            default: state <= S_IDLE;
            endcase

            // ---- emit stage ----
            if (em_take) begin
                em_state <= 1'b1;
                em_cnt <= 0;
            end else if (emit_go) begin
                if (push) begin
                    f_cnt[f_tail]  <= ne;
                    f_last[f_tail] <= emit_last;
                    f_idx[f_tail]  <= ze_e_idx;
                    f_val[f_tail]  <= ze_e_val;
                end
                if (emit_last) begin
                    em_state <= 1'b0;
                    em_b <= bnext(em_b);
                end else
                    em_cnt <= em_cnt + 1'b1;
            end

            // ---- job counts, output FIFO, done ----
            q_ls  <= q_ls + (ld_done ? 2'd1 : 2'd0) - (sel_take ? 2'd1 : 2'd0);
            q_se  <= q_se + (se_inc ? 2'd1 : 2'd0) - (em_take ? 2'd1 : 2'd0);
            banks <= banks + (ld_take ? 2'd1 : 2'd0) - (bk_dec ? 2'd1 : 2'd0);
            done_r <= pop_last;
            if (pop) f_head <= (f_head + 1'b1) % FIFO_DEPTH;
            f_count <= f_count + (push ? 1'b1 : 1'b0) - (pop ? 1'b1 : 1'b0);
        end
    end
endmodule
