"""`python -m xborder`, the same as the `xborder` command."""

from xborder.cli import main

main()
