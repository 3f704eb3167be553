// topk_ze.v - zero eliminator: packs the kept elements of a P-wide row to the front, in lane
// order, and counts them. Purely combinational: a prefix sum over `keep` gives each kept lane
// its output slot, and output slot j ORs together the lanes i >= j whose slot is j (an
// AND-OR crossbar of P(P+1)/2 taps).
//   data : P elements of EW bits (lane i at [i*EW +: EW])
//   keep : lane i survives when keep[i] = 1
//   out  : survivors in lanes 0 .. count-1, zeros above
module topk_ze #(
    parameter integer P  = 16,
    parameter integer EW = 43
) (
    input  wire [P*EW-1:0]          data,
    input  wire [P-1:0]             keep,
    output reg  [P*EW-1:0]          out,
    output reg  [$clog2(P+1)-1:0]   count
);
    localparam integer CW = $clog2(P + 1);
    reg [P*CW-1:0] slot;            // slot[i] = kept lanes below i
    integer i, j;
    always @* begin
        count = {CW{1'b0}};
        for (i = 0; i < P; i = i + 1) begin
            slot[i*CW +: CW] = count;
            count = count + {{(CW-1){1'b0}}, keep[i]};
        end
        out = {P*EW{1'b0}};
        for (j = 0; j < P; j = j + 1)
            for (i = j; i < P; i = i + 1)
                if (keep[i] && slot[i*CW +: CW] == j)
                    out[j*EW +: EW] = out[j*EW +: EW] | data[i*EW +: EW];
    end
endmodule
