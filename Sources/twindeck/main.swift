import HeyGen
import HeyGenSimulator
print("twindeck")
