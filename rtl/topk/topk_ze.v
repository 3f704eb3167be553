// topk_ze.v - zero eliminator: packs the kept elements of a P-wide row to the front, in lane
// order, and counts them (prefix-sum compaction). Purely combinational.
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
    integer i;
    always @* begin
        out   = {P*EW{1'b0}};
        count = {$clog2(P+1){1'b0}};
        for (i = 0; i < P; i = i + 1) begin
            if (keep[i]) begin
                out[count*EW +: EW] = data[i*EW +: EW];
                count = count + 1'b1;
            end
        end
    end
endmodule
