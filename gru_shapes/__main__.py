from gru_shapes.cli import main

main()
