"""Pulumi entry point: the program lives in the importable package so dynamic providers pickle by reference."""

from components.program.entry import main

main()
