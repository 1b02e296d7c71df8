# SPDX-License-Identifier: GPL-2.0
# Part 3 plot: time to load N prefixes, median of the rounds with the
# min-max range as error bars. Called by bench/run.sh with datafile and
# outfile set; columns: entries, then median, min, max of each of
# pktgate load, pktgate load --replace, nft -f, kernel floor, deny add.
set terminal pngcairo size 1000,600 font ",10"
set output outfile
set title "Loading N IPv4 prefixes (median of rounds, bars: min-max)"
set logscale xy
set xlabel "prefixes"
set ylabel "seconds"
set key top left
set grid
set bars small
set datafile missing NaN
plot datafile using 1:2:3:4 with yerrorlines lw 2 title "pktgate load (new list)", \
     datafile using 1:5:6:7 with yerrorlines lw 2 title "pktgate load --replace (same size)", \
     datafile using 1:8:9:10 with yerrorlines lw 2 title "nft -f (interval set)", \
     datafile using 1:11:12:13 with yerrorlines lw 1 dt 2 title "kernel floor: map batch update (pgbench)", \
     datafile using 1:14:15:16 with yerrorlines lw 1 title "pktgate deny add (one invocation)"
