# SPDX-License-Identifier: GPL-2.0
# Part 2 plot: Mpps per receiver, one cluster per receiver, one bar per
# list size. Called by bench/run.sh with datafile, outfile and labels set.
set terminal pngcairo size 1100,600 font ",10"
set output outfile
set title "Packets dropped per second through a veth (64-byte UDP, median of rounds)"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set ylabel "Mpps"
set yrange [0:*]
set xtics rotate by -20
set key top right
set grid ytics
stats datafile using 2 nooutput
plot for [i=0:STATS_blocks-1] datafile index i using 2:3:4:xtic(1) title word(labels, i+1)." entries"
