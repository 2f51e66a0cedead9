// Registers every format reader. Each reader module calls registerReader() when imported.
export {};
