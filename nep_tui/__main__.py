from nep_tui.cli import main

main()
