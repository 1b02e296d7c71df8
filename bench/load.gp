# SPDX-License-Identifier: GPL-2.0
# Part 3 plot: time to load N prefixes. Called by bench/run.sh with
# datafile and outfile set.
set terminal pngcairo size 1000,600 font ",10"
set output outfile
set title "Loading N IPv4 prefixes (median of rounds)"
set logscale xy
set xlabel "prefixes"
set ylabel "seconds"
set key top left
set grid
plot datafile using 1:2 with linespoints lw 2 title "map batch update (what pktgate load will use)", \
     datafile using 1:3 with linespoints lw 2 title "nft -f (interval set)", \
     datafile using 1:4 with linespoints lw 2 title "pktgate deny add (one invocation)"
