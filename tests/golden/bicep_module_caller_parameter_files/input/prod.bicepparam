using 'main.bicep'
param acrSku = 'Standard'
