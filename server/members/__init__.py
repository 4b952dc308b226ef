"""What a panel member sees through their personal link."""
