"""The supervisors' live board: the line, the operators and today's figures, on a wall screen."""
