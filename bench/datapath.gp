# SPDX-License-Identifier: GPL-2.0
# Part 1 plot: ns per packet against list size. Called by bench/run.sh with
# datafile and outfile set; one data block per family x layout.
set terminal pngcairo size 1000,600 font ",10"
set output outfile
set title "pktgate XDP cost per packet (BPF\\_PROG\\_TEST\\_RUN, median of rounds)"
set logscale x
set xlabel "entries in the deny list"
set ylabel "ns per packet"
set yrange [0:*]
set key top left
set grid
names = "IPv4-seq IPv4-mix IPv6-seq IPv6-mix"
stats datafile using 1 nooutput
plot for [i=0:STATS_blocks-1] datafile index i using 1:2 with linespoints lw 2 lc i+1 title word(names, i+1)." drop", \
     for [i=0:STATS_blocks-1] datafile index i using 1:3 with linespoints dt 2 lc i+1 title word(names, i+1)." pass", \
     datafile index 0 using 1:6 with lines lc rgb "black" dt 3 title "bare XDP\\_DROP"
