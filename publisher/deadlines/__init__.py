"""The legal deadline engine: the working calendar, periods as Russian law counts them, regulation profiles (data), verdicts (pure) and compliance (store → verdicts)."""
