// topk.v - SpAtten-style top-k engine: quick-select with a seeded random pivot, P comparators
// per cycle, a zero eliminator behind the comparators, and an output FIFO.
// Cycle-exact twin of the C model sim/topk.c (docs/arch/topk.md, docs/rtl.md); the lockstep
// harness rtl/harness compares the two on every cycle.
//
// Selection: the k largest keys, ties resolved toward the lower index (fxp_topk_ref's rule).
// Every element carries (key, index); "a beats b" = a.key > b.key or (equal keys and a.index
// < b.index), a strict total order, so quick-select finds the k-th best element T exactly and
// the result is { e : e beats T or e = T }, emitted in ascending index order.
//
// Memories are banked: P banks of MAX_N/P rows each for orig and for both partition buffers,
// so that a row of P consecutive addresses (aligned or not) touches every bank once: each bank
// has one read port and two write ports (G survivors growing up, L survivors growing down;
// LOAD shares the G port). Requires P >= 2 a power of two, MAX_N a multiple of P, L <= P.
//
// FSM: IDLE -> LOAD -> (PIVOT -> PASS* -> DRAIN -> DECIDE)* -> EMIT* -> OUTWAIT -> DONE -> IDLE
// Deliberately wrong variants for the harness's self-test: define TOPK_BROKEN (the pass's
// last-row test is off by one, so a pass over a multiple of P elements takes an extra cycle)
// or TOPK_BROKEN_TIE (ties go to the higher index).
module topk #(
    parameter integer W          = 32,    // key width
    parameter integer MAX_N      = 2048,  // buffer capacity (>= 2)
    parameter integer P          = 16,    // comparators per cycle = output beat width
    parameter integer L          = 16,    // input lanes per cycle
    parameter integer FIFO_DEPTH = 4      // output FIFO depth in beats
) (
    input  wire                     clk,
    input  wire                     rst,          // synchronous, active high
    // job handshake
    input  wire                     start,
    output wire                     start_ready,
    input  wire [$clog2(MAX_N+1)-1:0] n,
    input  wire [$clog2(MAX_N+1)-1:0] k,
    input  wire [31:0]              seed,
    output wire                     done,         // one-cycle pulse
    // key stream in
    input  wire                     in_valid,
    output wire                     in_ready,
    input  wire [L*W-1:0]           in_data,
    // (index, key) stream out
    output wire                     out_valid,
    input  wire                     out_ready,
    output wire                     out_last,
    output wire [$clog2(P+1)-1:0]   out_count,
    output wire [P*$clog2(MAX_N)-1:0] out_idx,
    output wire [P*W-1:0]           out_val,
    // debug
    output wire [3:0]               dbg_state,
    output wire [$clog2(MAX_N+1)-1:0] dbg_m
);
    localparam integer NW = $clog2(MAX_N + 1);      // sizes 0..MAX_N
    localparam integer IW = $clog2(MAX_N);          // indices 0..MAX_N-1
    localparam integer CW = $clog2(P + 1);          // 0..P
    localparam integer EW = W + IW;                 // element = {index, key}
    localparam integer XW = NW + 10;                // wide enough for address arithmetic
    localparam integer FA = (FIFO_DEPTH > 1) ? $clog2(FIFO_DEPTH) : 1;
    localparam integer FW = $clog2(FIFO_DEPTH + 1);
    localparam integer PB = $clog2(P);              // bank-select bits
    localparam integer RN = MAX_N / P;              // rows per bank
    localparam integer RA = (RN > 1) ? $clog2(RN) : 1;

    localparam [3:0] S_IDLE = 4'd0, S_LOAD = 4'd1, S_PIVOT = 4'd2, S_PASS = 4'd3,
                     S_DRAIN = 4'd4, S_DECIDE = 4'd5, S_EMIT = 4'd6, S_OUTWAIT = 4'd7,
                     S_DONE = 4'd8;
    localparam [31:0] LFSR_TAPS = 32'h80200003;

    // ---------------- registers ----------------
    reg [3:0]    state;
    reg [NW-1:0] n_r, k_r, kk;
    reg [31:0]   lfsr;
    reg [NW-1:0] cnt;                 // LOAD: keys accepted; PASS/EMIT: row
    reg          cur;                 // buffer holding the current set
    reg [NW-1:0] lo, m;               // current set = buf[cur][lo, lo + m)
    reg [NW-1:0] g, l;                // partition counts
    reg [W-1:0]  piv_v, thr_v;
    reg [IW-1:0] piv_i, thr_i;
    reg          accept_all;
    reg          s1_valid;            // compare stage -> zero-eliminator stage
    reg [P*EW-1:0] s1_e;
    reg [P-1:0]  s1_gm, s1_lm;
    // output FIFO
    reg [FA-1:0] f_head;
    reg [FW-1:0] f_count;
    reg [CW-1:0] f_cnt  [0:FIFO_DEPTH-1];
    reg          f_last [0:FIFO_DEPTH-1];
    reg [P*IW-1:0] f_idx [0:FIFO_DEPTH-1];
    reg [P*W-1:0]  f_val [0:FIFO_DEPTH-1];

    // ---------------- outputs (Moore) ----------------
    assign start_ready = (state == S_IDLE);
    assign in_ready    = (state == S_LOAD);
    assign done        = (state == S_DONE);
    assign out_valid   = (f_count != 0);
    assign out_last    = out_valid & f_last[f_head];
    assign out_count   = out_valid ? f_cnt[f_head] : {CW{1'b0}};
    assign out_idx     = f_idx[f_head];
    assign out_val     = f_val[f_head];
    assign dbg_state   = state;
    assign dbg_m       = m;

    // ---------------- combinational ----------------
    function beats;   // a beats b
        input [W-1:0] av; input [IW-1:0] ai; input [W-1:0] bv; input [IW-1:0] bi;
`ifdef TOPK_BROKEN_TIE
        beats = (av > bv) || ((av == bv) && (ai > bi));   // wrong tie rule (test variant)
`else
        beats = (av > bv) || ((av == bv) && (ai < bi));
`endif
    endfunction

    // Lane rotations as log2(P)-stage barrel rotators (constant shifts per stage).
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
    wire [XW-1:0]  row_base = cnt * P;                  // first element of this row

    // ---- banked memories: per-bank address/data buses ----
    // read: the current set's row (PASS) or the pivot (PIVOT, lane 0), starting at rd_start
    wire [XW-1:0]  rd_start = (state == S_PIVOT) ? (lo + r_pos) : (lo + row_base);
    reg  [P*RA-1:0] rd_addr;                        // per bank
    wire [P*EW-1:0] rd_bank;                        // per bank, from the current buffer
    wire [P*W-1:0]  ro_bank;                        // orig row cnt, per bank (= lane)
    // write port A (LOAD into buffer 0, or G survivors into buffer ~cur), port B (L survivors)
    reg  [P-1:0]    wa_en, wb_en;
    reg  [P*RA-1:0] wa_addr, wb_addr;
    reg  [P*EW-1:0] wa_data, wb_data;
    reg             wa_buf;                         // buffer written by port A
    wire            ld_fire = (state == S_LOAD) && in_valid;

    genvar gb;
    generate for (gb = 0; gb < P; gb = gb + 1) begin : bank
        reg [EW-1:0] m0 [0:RN-1];
        reg [EW-1:0] m1 [0:RN-1];
        reg [W-1:0]  mo [0:RN-1];
        always @(posedge clk) begin
            if (wa_en[gb] && !wa_buf) m0[wa_addr[gb*RA +: RA]] <= wa_data[gb*EW +: EW];
            if (wa_en[gb] &&  wa_buf) m1[wa_addr[gb*RA +: RA]] <= wa_data[gb*EW +: EW];
            if (wb_en[gb] && !cur)    m1[wb_addr[gb*RA +: RA]] <= wb_data[gb*EW +: EW];
            if (wb_en[gb] &&  cur)    m0[wb_addr[gb*RA +: RA]] <= wb_data[gb*EW +: EW];
            if (wa_en[gb] && ld_fire) mo[wa_addr[gb*RA +: RA]] <= wa_data[gb*EW +: W];
        end
        assign rd_bank[gb*EW +: EW] = cur ? m1[rd_addr[gb*RA +: RA]] : m0[rd_addr[gb*RA +: RA]];
        assign ro_bank[gb*W +: W]   = mo[cnt[RA-1:0]];
    end endgenerate

    // compare stage (PASS): lane j = element rd_start + j, compared with the pivot
    reg  [P*EW-1:0] rd_e;
    reg  [P-1:0]    rd_gm, rd_lm, rd_valid;
    // emit stage: row cnt of orig, compared with the threshold
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
            // bank ia holds lane (ia - rd_start) mod P
            ba = (ia - rd_start[PB-1:0]) & (P - 1);
            aa = rd_start + ba;
            rd_addr[ia*RA +: RA] = aa[PB +: RA];
        end
    end
    // lane j of the read = bank (rd_start + j) mod P; the pivot is lane 0 in PIVOT (raw, not
    // masked by the pass's valid lanes)
    wire [P*EW-1:0] rd_lanes = rotr(rd_bank, rd_start[PB-1:0]);
    wire [EW-1:0]   piv_rd   = rd_lanes[EW-1:0];
    always @* begin
        for (i = 0; i < P; i = i + 1) begin
            rd_valid[i] = (row_base + i) < m;
            {ei, ev} = rd_lanes[i*EW +: EW];
            if (!rd_valid[i]) begin ev = {W{1'b0}}; ei = {IW{1'b0}}; end
            rd_e[i*EW +: EW] = {ei, ev};
            rd_gm[i] = rd_valid[i] & beats(ev, ei, piv_v, piv_i);
            rd_lm[i] = rd_valid[i] & beats(piv_v, piv_i, ev, ei);

            a = row_base + i;
            if (a < n_r) begin
                ev = ro_bank[i*W +: W];
                em_keep[i] = accept_all | ~beats(thr_v, thr_i, ev, a[IW-1:0]);
            end else begin
                ev = {W{1'b0}};
                em_keep[i] = 1'b0;
            end
            em_e[i*EW +: EW] = {a[IW-1:0], ev};
        end
    end

    // zero eliminators: survivors that beat the pivot (G), that the pivot beats (L), emitted
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
    wire          emit_last = row_end >= n_r;
    wire          emit_go   = (state == S_EMIT) && (f_count < FIFO_DEPTH);
    wire          push      = emit_go && ((ne != 0) || emit_last);
    wire [FA-1:0] f_tail    = (f_head + f_count) % FIFO_DEPTH;
    wire [XW-1:0] ld_end    = cnt + L;

    // rearranged ZE outputs into per-lane unpacked form for the unpacked FIFO entry
    reg [P*IW-1:0] ze_e_idx;
    reg [P*W-1:0]  ze_e_val;
    always @* begin
        for (i = 0; i < P; i = i + 1) begin
            ze_e_val[i*W  +: W]  = ze_e[i*EW      +: W];
            ze_e_idx[i*IW +: IW] = ze_e[i*EW + W  +: IW];
        end
    end

    // write ports: bank b takes survivor j = (b - base) mod P of the compacted row
    reg  [P*EW-1:0] ld_lanes;       // input beat as P element lanes (index bits 0)
    always @* begin
        ld_lanes = {P*EW{1'b0}};
        for (i = 0; i < L; i = i + 1) ld_lanes[i*EW +: W] = in_data[i*W +: W];
    end
    wire [P*EW-1:0] ld_rot = rotl(ld_lanes, cnt[PB-1:0]);
    wire [P*EW-1:0] g_rot  = rotl(ze_g, g[PB-1:0]);
    wire [NW-1:0]   l_top  = (MAX_N - 1) - l;
    // L survivor t goes to address MAX_N-1 - (l + t): bank i takes t = (l_top - i) mod P
    wire [P*EW-1:0] l_rot  = rotr(rev(ze_l), {PB{1'b0}} - 1'b1 - l_top[PB-1:0]);
    reg [XW-1:0] wq;
    reg [PB:0]   wj;
    always @* begin
        wa_buf = (state == S_LOAD) ? 1'b0 : ~cur;
        for (i = 0; i < P; i = i + 1) begin
            if (state == S_LOAD) begin
                wj = (i - cnt[PB-1:0]) & (P - 1);
                wq = cnt + wj;
                wa_en[i] = ld_fire && (wj < L) && (wq < n_r);
                wa_addr[i*RA +: RA] = wq[PB +: RA];
                wa_data[i*EW +: EW] = {wq[IW-1:0], ld_rot[i*EW +: W]};
            end else begin
                wj = (i - g[PB-1:0]) & (P - 1);
                wq = g + wj;
                wa_en[i] = s1_valid && (wj < ng);
                wa_addr[i*RA +: RA] = wq[PB +: RA];
                wa_data[i*EW +: EW] = g_rot[i*EW +: EW];
            end
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
            state <= S_IDLE;
            n_r <= 0; k_r <= 0; kk <= 0; cnt <= 0; cur <= 1'b0; lo <= 0; m <= 0;
            g <= 0; l <= 0; lfsr <= 32'd1;
            piv_v <= 0; piv_i <= 0; thr_v <= 0; thr_i <= 0;
            accept_all <= 1'b0; s1_valid <= 1'b0;
            f_head <= 0; f_count <= 0;
        end else begin
            // stage 2: the zero eliminators' outputs are written through ports A/B (above)
            if (s1_valid) begin
                g <= g + ng;
                l <= l + nl;
            end
            s1_valid <= 1'b0;

            case (state)
            S_IDLE: if (start) begin
                n_r  <= n;
                k_r  <= (k < n) ? k : n;
                lfsr <= (seed != 32'd0) ? seed : 32'd1;
                cnt  <= 0;
                accept_all <= 1'b0;
                state <= (n == 0) ? S_DONE : S_LOAD;
            end
            S_LOAD: if (in_valid) begin
                if (ld_end >= n_r) begin
                    cnt <= 0;
                    if (k_r == 0) state <= S_DONE;
                    else if (k_r >= n_r) begin accept_all <= 1'b1; state <= S_EMIT; end
                    else begin
                        cur <= 1'b0; lo <= 0; m <= n_r; kk <= k_r; state <= S_PIVOT;
                    end
                end else
                    cnt <= ld_end[NW-1:0];
            end
            S_PIVOT: begin
                lfsr <= lfsr_nx;
                piv_v <= piv_rd[W-1:0];        // element lo + r_pos
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
                    cur <= ~cur; lo <= 0; m <= g; state <= S_PIVOT;
                end else if (kk == g + 1'b1) begin
                    thr_v <= piv_v; thr_i <= piv_i; cnt <= 0; state <= S_EMIT;
                end else begin
                    cur <= ~cur; lo <= MAX_N - l; m <= l; kk <= kk - g - 1'b1; state <= S_PIVOT;
                end
            end
            S_EMIT: if (emit_go) begin
                if (push) begin
                    f_cnt[f_tail]  <= ne;
                    f_last[f_tail] <= emit_last;
                    f_idx[f_tail]  <= ze_e_idx;
                    f_val[f_tail]  <= ze_e_val;
                end
                if (emit_last) state <= S_OUTWAIT;
                else cnt <= cnt + 1'b1;
            end
            S_OUTWAIT: if (pop_last) state <= S_DONE;
            S_DONE: state <= S_IDLE;
            default: state <= S_IDLE;
            endcase

            if (pop) f_head <= (f_head + 1'b1) % FIFO_DEPTH;
            f_count <= f_count + (push ? 1'b1 : 1'b0) - (pop ? 1'b1 : 1'b0);
        end
    end
endmodule
