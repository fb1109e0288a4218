"""`python -m xborder.cli`: the xborder command."""

from xborder.cli.app import main

main()
